"""The hotline's records. Times are stored in UTC; phone numbers only encrypted.

One module per group of records; every model is importable from here."""

from __future__ import annotations

from hotline.models.accompaniment import PassportVersion, PlanStep, SocialPassport
from hotline.models.audit import AuditRecord
from hotline.models.base import QueueName, UTCDateTime, render_migration_type, utcnow
from hotline.models.callbacks import Callback, CallbackAttempt
from hotline.models.calls import Call, Caller
from hotline.models.cases import Case, CaseEvent, CaseNote, CaseNumber, CaseStatus
from hotline.models.follow_ups import FollowUp, FollowUpAnswer
from hotline.models.partners import Partner, PartnerCode, Referral, ReferralMove
from hotline.models.people import ApiToken, OperatorLanguage, OperatorSkill, Role, User
from hotline.models.risk import CallerBlock, EmergencyAction, RiskAlert
from hotline.models.stats import StatsHour
from hotline.models.work import Assignment, Disposition, Offer

__all__ = [
    "ApiToken",
    "Assignment",
    "AuditRecord",
    "Call",
    "Callback",
    "CallbackAttempt",
    "Caller",
    "CallerBlock",
    "Case",
    "CaseEvent",
    "CaseNote",
    "CaseNumber",
    "CaseStatus",
    "Disposition",
    "EmergencyAction",
    "FollowUp",
    "FollowUpAnswer",
    "Offer",
    "OperatorLanguage",
    "OperatorSkill",
    "Partner",
    "PartnerCode",
    "PassportVersion",
    "PlanStep",
    "QueueName",
    "Referral",
    "ReferralMove",
    "RiskAlert",
    "Role",
    "SocialPassport",
    "StatsHour",
    "UTCDateTime",
    "User",
    "render_migration_type",
    "utcnow",
]
