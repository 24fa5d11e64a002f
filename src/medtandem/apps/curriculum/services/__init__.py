"""Write-side rules of the curriculum, one module per subdomain, re-exported here.

Every rule is a plain function taking explicit arguments; views only parse input and call them.

Invariants (see docs/curriculum.md):
- A page credits its hours only once the server has measured enough reading time since it first
  served the page to the learner (:func:`selectors.page_time_floor`), and its check questions, when
  it has some, are passed: :func:`mark_page_read` refuses earlier, saying how long remains.
- A reading gate (unaided reading with a pass level) may be attempted again after a failure, at
  most ``Activity.max_attempts`` times, ``Activity.retry_wait_hours`` apart, each attempt on cases
  the learner never saw with their truth nor read in an earlier attempt; one row per attempt
  (``ReadingLink``, unique per activity, learner and attempt number), the newest being current.
- An attestation is issued only when every required activity is completed and every domain quiz is
  passed; it freezes the evidence of its hours and is recorded on the audit trail, as is its
  revocation, every CSV enrolment import and every quiz import.
"""

from __future__ import annotations

from medtandem.apps.curriculum.services.credentials import attestation_html as attestation_html
from medtandem.apps.curriculum.services.credentials import attestation_pdf as attestation_pdf
from medtandem.apps.curriculum.services.credentials import issue_attestation as issue_attestation
from medtandem.apps.curriculum.services.credentials import (
    issuer_profile as issuer_profile,
)
from medtandem.apps.curriculum.services.credentials import open_badge as open_badge
from medtandem.apps.curriculum.services.credentials import revoke_attestation as revoke_attestation
from medtandem.apps.curriculum.services.credentials import signed_badge as signed_badge
from medtandem.apps.curriculum.services.credentials import (
    status_list_credential as status_list_credential,
)
from medtandem.apps.curriculum.services.enrolment import CSV_COLUMNS as CSV_COLUMNS
from medtandem.apps.curriculum.services.enrolment import complete_activity as complete_activity
from medtandem.apps.curriculum.services.enrolment import (
    complete_programme_if_done as complete_programme_if_done,
)
from medtandem.apps.curriculum.services.enrolment import enrol as enrol
from medtandem.apps.curriculum.services.enrolment import enrol_from_csv as enrol_from_csv
from medtandem.apps.curriculum.services.enrolment import mark_page_read as mark_page_read
from medtandem.apps.curriculum.services.enrolment import record_attendance as record_attendance
from medtandem.apps.curriculum.services.enrolment import record_visit as record_visit
from medtandem.apps.curriculum.services.errors import CsvImportError as CsvImportError
from medtandem.apps.curriculum.services.errors import CurriculumRuleError as CurriculumRuleError
from medtandem.apps.curriculum.services.gates import start_new_attempt as start_new_attempt
from medtandem.apps.curriculum.services.gates import start_reading as start_reading
from medtandem.apps.curriculum.services.gates import sync_reading as sync_reading
from medtandem.apps.curriculum.services.gates import sync_reading_session as sync_reading_session
from medtandem.apps.curriculum.services.national import (
    refresh_national_stats as refresh_national_stats,
)
from medtandem.apps.curriculum.services.quizzes import FORMATS as FORMATS
from medtandem.apps.curriculum.services.quizzes import QuestionResult as QuestionResult
from medtandem.apps.curriculum.services.quizzes import QuizOutcome as QuizOutcome
from medtandem.apps.curriculum.services.quizzes import export_questions as export_questions
from medtandem.apps.curriculum.services.quizzes import grade_question as grade_question
from medtandem.apps.curriculum.services.quizzes import import_questions as import_questions
from medtandem.apps.curriculum.services.quizzes import submit_quiz as submit_quiz
