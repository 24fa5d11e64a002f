"""MedTandem: train clinicians to read with and without AI, and measure what the AI does."""

__version__ = "0.1.0"
