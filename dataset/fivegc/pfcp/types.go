package pfcp

import "strconv"

// MessageType is a PFCP message type (TS 29.244 Table 7.3-1).
type MessageType uint8

// PFCP message types.
const (
	HeartbeatRequest               MessageType = 1
	HeartbeatResponse              MessageType = 2
	PFDManagementRequest           MessageType = 3
	PFDManagementResponse          MessageType = 4
	AssociationSetupRequest        MessageType = 5
	AssociationSetupResponse       MessageType = 6
	AssociationUpdateRequest       MessageType = 7
	AssociationUpdateResponse      MessageType = 8
	AssociationReleaseRequest      MessageType = 9
	AssociationReleaseResponse     MessageType = 10
	VersionNotSupportedResponse    MessageType = 11
	NodeReportRequest              MessageType = 12
	NodeReportResponse             MessageType = 13
	SessionSetDeletionRequest      MessageType = 14
	SessionSetDeletionResponse     MessageType = 15
	SessionSetModificationRequest  MessageType = 16
	SessionSetModificationResponse MessageType = 17
	SessionEstablishmentRequest    MessageType = 50
	SessionEstablishmentResponse   MessageType = 51
	SessionModificationRequest     MessageType = 52
	SessionModificationResponse    MessageType = 53
	SessionDeletionRequest         MessageType = 54
	SessionDeletionResponse        MessageType = 55
	SessionReportRequest           MessageType = 56
	SessionReportResponse          MessageType = 57
)

var typeNames = map[MessageType]string{
	1: "heartbeat_req", 2: "heartbeat_resp", 3: "pfd_mgmt_req", 4: "pfd_mgmt_resp",
	5: "assoc_setup_req", 6: "assoc_setup_resp", 7: "assoc_update_req", 8: "assoc_update_resp",
	9: "assoc_release_req", 10: "assoc_release_resp", 11: "version_not_supported",
	12: "node_report_req", 13: "node_report_resp", 14: "session_set_deletion_req",
	15: "session_set_deletion_resp", 16: "session_set_modification_req",
	17: "session_set_modification_resp",
	50: "session_establishment_req", 51: "session_establishment_resp",
	52: "session_modification_req", 53: "session_modification_resp",
	54: "session_deletion_req", 55: "session_deletion_resp",
	56: "session_report_req", 57: "session_report_resp",
}

// Known reports whether t is a message type of TS 29.244 release 17.
func (t MessageType) Known() bool { _, ok := typeNames[t]; return ok }

// Request reports whether t is a request (odd types below 50 and even
// types from 50 are requests; 11, Version Not Supported, is a response).
func (t MessageType) Request() bool {
	if t == VersionNotSupportedResponse {
		return false
	}
	if t < 50 {
		return t%2 == 1
	}
	return t%2 == 0
}

// Session reports whether t is a session-related message (its header
// carries a SEID).
func (t MessageType) Session() bool { return t >= 50 }

// String returns a short snake-case name, or "type_N".
func (t MessageType) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "type_" + strconv.Itoa(int(t))
}

// Cause is a PFCP Cause value (TS 29.244 §8.2.1).
type Cause uint8

// Cause values.
const (
	CauseAccepted                 Cause = 1
	CauseMoreUsageReport          Cause = 2
	CauseRequestRejected          Cause = 64
	CauseSessionContextNotFound   Cause = 65
	CauseMandatoryIEMissing       Cause = 66
	CauseConditionalIEMissing     Cause = 67
	CauseInvalidLength            Cause = 68
	CauseMandatoryIEIncorrect     Cause = 69
	CauseInvalidForwardingPolicy  Cause = 70
	CauseInvalidFTEIDAllocation   Cause = 71
	CauseNoEstablishedAssociation Cause = 72
	CauseRuleCreationFailure      Cause = 73
	CausePFCPEntityInCongestion   Cause = 74
	CauseNoResourcesAvailable     Cause = 75
	CauseServiceNotSupported      Cause = 76
	CauseSystemFailure            Cause = 77
	CauseRedirectionRequested     Cause = 78
)

// Accepted reports whether c is a success cause (1..63).
func (c Cause) Accepted() bool { return c >= 1 && c < 64 }

// Rejected reports whether c is a rejection cause (64 and above).
func (c Cause) Rejected() bool { return c >= 64 }
