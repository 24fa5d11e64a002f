"""Pure ECG core: records, WFDB and PTB-XL reading, signal processing, measurements, rendering.

Nothing here imports Django. Functions take and return plain arrays and typed records.
"""

from medtandem.ecg.record import STANDARD_LEADS, EcgReadError, EcgRecord
from medtandem.ecg.wfdb import read_record

__all__ = ["STANDARD_LEADS", "EcgRecord", "EcgReadError", "read_record"]
