"""Every `error.details.error_code` the installed `anthropic` SDK defines, placed: what it means
for the wizard (the diagnosis code, whether time helps, the one next step), in the SDK's own
words (`anthropic/types/**/*_error_details.py`). `tests/test_error_codes.py` fails when a new
SDK version defines a code this table does not place.

Codes of endpoints flux-setup never calls (files, threads, compaction, storage, the Admin API's
membership and settings, beta features) are in `NOT_OURS`: should one ever arrive, the
unknown-answer rule shows the API's message and request ID, and nothing is concluded from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.constants import BILLING_URL, KEYS_URL, LIMITS_URL, STATUS_URL, SUPPORT_URL
from wizard.vocab import Code


@dataclass(frozen=True)
class Rule:
    code: Code
    says: str  # what happened, a sentence of its own
    next_step: str
    url: str | None = None
    # Known to concern the request or the workspace as a whole (every model alike), where the
    # code's scope alone would leave it to the evidence.
    whole_request: bool = False

    @property
    def transient(self) -> bool:
        """Time may change the answer (retried within the budget, never a refusal): the
        diagnosis code's own word (`Code.transient`), not a second one kept here."""
        return self.code.transient


_SPEND = "the API refuses inference until it is raised or resets; retrying cannot help."
# The next steps of a refused credential, one wording each: read by this table and by the
# rules that recognise the same refusal by its status and words (`diagnosis/rules.py`).
NEW_KEY = "Create a new API key in the Console and rerun with it."
AN_API_KEY = "Create an API key (sk-ant-api03-...) in the Console and use it instead."
_CMEK = "the workspace's customer-managed encryption key"

RULES: dict[str, Rule] = {
    # -- limits and spend (429, 402) --------------------------------------------------------
    "ramp_limit_exceeded": Rule(
        Code.RATE_LIMITED,
        "A ramp limit refused the request (it caps how fast usage can grow): this says "
        "nothing about which models you may call.",
        "Wait the time the API gives, then rerun `flux-setup check`.",
        LIMITS_URL,
    ),
    "enforced_spend_limit_reached": Rule(
        Code.SPEND_LIMIT_REACHED,
        "The organisation has crossed the monthly API usage threshold of its API tier (the "
        f"tier's monthly spend cap): {_SPEND}",
        "Raise the limit on the limits page, or wait for the next month.",
        LIMITS_URL,
    ),
    "contract_spend_limit_reached": Rule(
        Code.SPEND_LIMIT_REACHED,
        f"The organisation has reached the spend limit of its contract: {_SPEND}",
        "Ask your Anthropic account manager to raise the contract's limit; no wait helps.",
        SUPPORT_URL,
    ),
    "linked_organization_spend_limit_reached": Rule(
        Code.SPEND_LIMIT_REACHED,
        "The organisation linked to the request's user profile has reached a spend limit it "
        "set, or lacks credit for the request (the API does not say which).",
        "That organisation's admins raise its spend limit or add credit in its Console "
        "(billing and limits pages).",
        BILLING_URL,
    ),
    "linked_organization_billing_unavailable": Rule(
        Code.BILLING_ERROR,
        "Anthropic cannot bill the organisation linked to the request's user profile, for a "
        "reason with that organisation's own account (the API does not say which).",
        "That organisation's admins check its billing page; else contact support with the "
        "request ID.",
        BILLING_URL,
    ),
    # -- the organisation -------------------------------------------------------------------
    "organization_on_hold": Rule(
        Code.ORGANIZATION_ON_HOLD,
        "Anthropic has disabled the organisation (on hold, for trust and safety reasons): the "
        "API refuses every request.",
        "Appeal, or contact support, with the request ID; nothing on this machine can fix it.",
        SUPPORT_URL,
    ),
    "workspace_human_review_disabled": Rule(
        Code.ORGANIZATION_NOT_SUPPORTED,
        "The key's workspace has Human Review turned off, and this request is not available there.",
        "Use a key from a workspace with Human Review on.",
        KEYS_URL,
    ),
    "parent_organization_required": Rule(
        Code.ORGANIZATION_NOT_SUPPORTED,
        "This endpoint serves only organisations that belong to a parent organisation, and "
        "this one belongs to none.",
        "Use a key of an organisation the endpoint serves; support can say which.",
        SUPPORT_URL,
    ),
    "organization_type_not_supported": Rule(
        Code.ORGANIZATION_NOT_SUPPORTED,
        "This endpoint does not support the organisation's type.",
        "Use a key of an organisation of a supported type; support can say which.",
        SUPPORT_URL,
    ),
    # -- the workspace's encryption key (CMEK) ----------------------------------------------
    "cmek_key_disabled": Rule(
        Code.ENCRYPTION_KEY_DISABLED,
        f"{_CMEK.capitalize()} is disabled or revoked: every request in the workspace is refused.",
        "Re-enable the key in your key management service (or ask the workspace's admins), "
        "then rerun `flux-setup check`.",
    ),
    "cmek_key_network_blocked": Rule(
        Code.ENCRYPTION_KEY_DISABLED,
        "The key management service's network rules blocked the request to "
        f"{_CMEK} (the key itself may be healthy): every request in the workspace is refused.",
        "Allow Anthropic's access in the key management service's network rules, then rerun "
        "`flux-setup check`.",
    ),
    "cmek_key_unreachable": Rule(
        Code.ENCRYPTION_KEY_UNREACHABLE,
        f"{_CMEK.capitalize()} could not be reached: this says nothing about access.",
        "Rerun in a few minutes; if it continues, check that the key is available in your key "
        "management service, or contact support with the request ID.",
        STATUS_URL,
    ),
    "cmek_context_unavailable": Rule(
        Code.ENCRYPTION_KEY_UNREACHABLE,
        "The workspace's encryption settings could not be read, so the request was refused: "
        "this says nothing about access.",
        "Rerun in a few minutes.",
        STATUS_URL,
    ),
    # -- the credential ---------------------------------------------------------------------
    "claude_code_key_creator_not_member": Rule(
        Code.KEY_INVALID,
        "The key belongs to the Claude Code workspace, and the person who created it is no "
        "longer a member of the organisation or of that workspace: the key is refused.",
        NEW_KEY,
        KEYS_URL,
    ),
    "claude_code_version_too_old": Rule(
        Code.KEY_WRONG_KIND,
        "The API takes this request for one from an old Claude Code version: the key is one "
        "Claude Code uses, and flux-setup is not Claude Code.",
        AN_API_KEY,
        KEYS_URL,
    ),
    # -- the network and the request itself --------------------------------------------------
    "sandbox_egress_restricted": Rule(
        Code.REGION_BLOCKED,
        "The request came from a Claude sandbox with restricted network access, which may not "
        "make it: every request from here is refused.",
        "Run flux-setup outside the sandbox, or from a sandbox with unrestricted network access.",
        SUPPORT_URL,
    ),
    "request_body_encoding_invalid": Rule(
        Code.REQUEST_REJECTED,
        "The API could not decode the request body (its Content-Encoding is wrong): something "
        "between you and the API, such as a proxy, changed the request.",
        "Check the proxy settings (HTTPS_PROXY) or --base-url, then rerun.",
        whole_request=True,
    ),
    "request_body_encoding_unsupported": Rule(
        Code.REQUEST_REJECTED,
        "The API does not support the request's Content-Encoding: something between you and "
        "the API, such as a proxy, changed the request.",
        "Check the proxy settings (HTTPS_PROXY) or --base-url, then rerun.",
        whole_request=True,
    ),
    "request_body_too_large_after_decoding": Rule(
        Code.REQUEST_REJECTED,
        "The API found the request too large once decoded: flux-setup sends a one-word "
        "prompt, so something between you and the API changed it.",
        "Check the proxy settings (HTTPS_PROXY) or --base-url, then rerun.",
        whole_request=True,
    ),
    "request_body_timeout": Rule(
        Code.NETWORK_ERROR,
        "The request body did not arrive in time: a slow or interrupted connection.",
        "Rerun on a better connection; a slow network may need a larger --timeout.",
        STATUS_URL,
    ),
    "storage_not_ready": Rule(
        Code.SERVER_ERROR,
        "The key's workspace is not ready yet (it is still being connected to its storage): "
        "this says nothing about access.",
        "Rerun `flux-setup check` in a few minutes.",
        STATUS_URL,
    ),
    "authorization_check_unavailable": Rule(
        Code.SERVER_ERROR,
        "One of the organisation's approvals could not be read just now: this says nothing "
        "about access.",
        "Rerun after the delay the API gives.",
        STATUS_URL,
    ),
    # -- billing a user profile (headers flux-setup never sends: a proxy may add them) -------
    **{
        name: Rule(
            Code.BILLING_ERROR,
            f"The request bills a user profile, and the API refused that: {why}",
            "flux-setup bills the key's own organisation: check that no proxy adds "
            "`anthropic-user-profile-id` or a billing policy; else contact support with the "
            "request ID.",
            SUPPORT_URL,
        )
        for name, why in (
            ("user_profile_required", "it names no user profile."),
            ("user_profile_not_found", "the user profile does not exist or is not active."),
            ("user_profile_cleared", "the user profile was removed from the workspace."),
            ("user_profile_not_billable", "the user profile cannot be billed."),
            (
                "user_profile_billing_not_authorized",
                "its customer has not authorised billing, or the authorisation ended.",
            ),
        )
    },
}

# Codes of endpoints flux-setup never calls: known, and deliberately left to the unknown rule.
NOT_OURS = frozenset(
    [
        "already_member",
        "api_key_requester_unconfirmed",
        "api_key_scope_missing",
        "approval_required",
        "available_tools_limit_exceeded",
        "bundle_attachment_not_supported",
        "bundle_on_call",
        "cannot_invite_emails_with_unverified_domains",
        "cannot_remove_last_member",
        "cannot_sign_out_managed_member",
        "cannot_sign_out_membership_admin",
        "cannot_sign_out_owner",
        "cannot_sign_out_primary_owner",
        "cannot_sign_out_privileged_member",
        "cannot_sign_out_self",
        "change_outcome_unknown",
        "claude_tag_writes_not_enabled",
        "cmek_feature_unsupported",
        "cmek_not_approved",
        "compaction_block_ambiguous",
        "compaction_block_misplaced",
        "compaction_content_mismatch",
        "compaction_incomplete_turn",
        "compaction_nothing_to_summarize",
        "compaction_signature_invalid",
        "compaction_too_many_tool_references",
        "compaction_tool_changes_mismatch",
        "compaction_unavailable",
        "compliance_configuration_restricted",
        "concurrent_membership_change",
        "email_domain_not_allowed",
        "environment_archived",
        "environment_create_disabled",
        "environment_not_found",
        "environment_update_disabled",
        "external_key_changed",
        "external_key_in_workspace_policy",
        "external_key_not_found",
        "external_key_provider_mismatch",
        "external_key_validation_failed",
        "external_key_validation_timed_out",
        "external_storage_in_use",
        "external_storage_in_workspace_policy",
        "external_storage_not_available",
        "file_expired",
        "file_not_downloadable",
        "gcp_project_controlled_by_another_organization",
        "gcp_project_not_verified",
        "grant_required",
        "heartbeat_precondition_failed",
        "human_review_not_available",
        "human_review_on_with_external_storage",
        "image_dimensions_too_large",
        "invalid_config_type_change",
        "invalid_metadata",
        "invalid_storage_arn",
        "invite_already_exists",
        "key_profile_mismatch",
        "org_api_key_limit_exceeded",
        "org_member_limit_exceeded",
        "organization_level_scoped_api_key_required",
        "organization_not_eligible",
        "organization_not_enrolled_in_beta",
        # URL image/document sources, web_fetch and mcp_servers: the verification call sends none
        "organization_url_fetch_disabled",
        "plugin_name_taken",
        "provider_not_allowed",
        "rbac_group_grants_owner_access",
        "rbac_group_managed_settings_not_found",
        "rbac_group_not_found",
        "rbac_group_order_limit_exceeded",
        "rbac_group_owner_access_unconfirmed",
        "rbac_role_not_found",
        "region_not_supported",
        "registration_pending",
        "report_page_too_large",
        "scan_failed",
        "scan_pending",
        "settings_document_limit_exceeded",
        "settings_history_limit_exceeded",
        "skill_name_taken",
        "skill_read_blocked_undecryptable",
        "slack_channel_set_up_environment_not_found",
        "slack_channel_set_up_settings_conflict",
        "slack_channel_set_up_settings_refused",
        "spend_limits_admin_api_writes_not_enabled",
        "storage_already_registered",
        "storage_attach_limit_reached",
        "storage_attached_during_archive",
        "storage_changed_concurrently",
        "storage_in_use",
        "storage_not_approved",
        "storage_not_attachable",
        "storage_profile_mismatch",
        "storage_profile_still_required",
        "storage_quota_exceeded",
        "storage_verification_failed",
        "thread_already_continued",
        "thread_continue_in_flight",
        "thread_fingerprint_mismatch",
        "thread_not_found",
        "thread_unsupported_request",
        "too_many_report_groups",
        "tool_name_conflict",
        "tool_reference_unresolved",
        "transcripts_storage_required",
        "unsupported_charset",
        "unsupported_region",
        "workspace_api_key_limit_exceeded",
        "workspace_changed_concurrently",
        "workspace_created_incomplete",
        "workspace_member_limit_exceeded",
        "workspace_policy_violation",
    ]
)


def rule_for(error_code: str | None) -> Rule | None:
    return RULES.get(error_code) if error_code else None
