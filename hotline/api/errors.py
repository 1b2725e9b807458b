"""The API's one error handler: each domain error the services raise is a 4xx
(or a 502 when the phone network refused), with a plain message.

A message of None means the error's own text, which the services write for
the user (never with a number or a note in it).
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.http import HTTP_STATUS_CODES

from hotline.api.schemas import ErrorSchema
from hotline.callbacks import follow_up_answers, from_case, listing, policy, service, stages
from hotline.calls.service import ConcurrentChange, UnknownCall
from hotline.cases import (
    access,
    blocks,
    lookup,
    notes,
    passport,
    plan,
    reading,
    referrals,
    risk,
    search_query,
    workflow,
)
from hotline.operators import desk, legs, offer_endings, presence, taking, wrapup
from hotline.partners import directory

ANSWERS: dict[type[Exception], tuple[int, str | None]] = {
    UnknownCall: (404, "no call with that CallSid"),
    listing.UnknownCallback: (404, "no callback with that id"),
    lookup.UnknownCase: (404, "no case with that reference"),
    access.CaseRefused: (403, "this case is not of a queue you serve, nor assigned to you"),
    workflow.CodeNeeded: (400, None),
    search_query.BadQuery: (400, None),
    notes.NoteRefused: (400, None),
    passport.PassportRefused: (400, None),
    plan.PlanStepRefused: (400, None),
    plan.UnknownPlanStep: (404, "no plan step with that id"),
    passport.NoPerson: (409, None),
    passport.PassportChanged: (409, None),
    plan.PlanStepMoveRefused: (409, None),
    plan.PlanStepChanged: (409, None),
    workflow.CaseMoveRefused: (409, None),
    workflow.CaseChanged: (409, "the case changed meanwhile; try again"),
    workflow.AnotherActiveCase: (409, None),
    notes.CorrectedAlready: (409, None),
    risk.RiskChanged: (409, None),
    risk.NothingToAcknowledge: (409, None),
    risk.RiskUnsettled: (409, None),
    blocks.CannotBlockWithheld: (409, None),
    blocks.BlockedAlready: (409, None),
    blocks.NotBlocked: (409, None),
    referrals.UnknownReferral: (404, "no referral with that id"),
    referrals.ReferralRefused: (400, None),
    referrals.PartnerNotActive: (409, None),
    referrals.ReferralMoveRefused: (409, None),
    referrals.ReferralChanged: (409, None),
    directory.UnknownPartner: (404, "no partner with that id"),
    directory.PartnerRefused: (400, None),
    directory.PartnerInactive: (409, None),
    reading.NoNumber: (409, None),
    policy.InvalidWindow: (400, None),
    from_case.UnknownOperator: (400, None),
    offer_endings.OfferNotFound: (404, "no offer with that id"),
    taking.NotServed: (403, "you do not serve this caller's queue"),
    offer_endings.NotYourOffer: (403, "this offer was made to someone else"),
    wrapup.NotYourCall: (403, "this call is not yours to wrap up"),
    ConcurrentChange: (409, "the call changed meanwhile; try again"),
    offer_endings.OfferClosed: (409, "the offer is no longer open"),
    wrapup.NotInWrapUp: (409, "this call is not in wrap-up: saved already, ran out, or still going"),
    taking.CannotTake: (409, None),
    stages.CallbackOutOfPlace: (409, None),
    follow_up_answers.AnswerRefused: (400, None),
    follow_up_answers.NotAFollowUp: (409, None),
    follow_up_answers.AnsweredAlready: (409, None),
    service.NoNumberToCall: (409, "the caller's number is withheld: send the number to call them back on"),
    legs.NotConnected: (409, None),
    presence.PresenceRefused: (409, None),
    desk.NetworkRefused: (502, None),
}


def init_app(bp: Blueprint) -> None:
    for error_class in ANSWERS:
        bp.register_error_handler(error_class, _answer)


def _answer(error: Exception):
    status, message = next(answer for cls, answer in ANSWERS.items() if isinstance(error, cls))
    body = {"error": HTTP_STATUS_CODES[status], "message": message or str(error)}
    return jsonify(ErrorSchema().dump(body)), status
