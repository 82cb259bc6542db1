package nas

import "strconv"

// MMType is a 5GMM message type (TS 24.501 Table 9.7.1).
type MMType uint8

// 5GMM message types.
const (
	RegistrationRequest                MMType = 0x41
	RegistrationAccept                 MMType = 0x42
	RegistrationComplete               MMType = 0x43
	RegistrationReject                 MMType = 0x44
	DeregistrationRequestUEOriginating MMType = 0x45
	DeregistrationAcceptUEOriginating  MMType = 0x46
	DeregistrationRequestUETerminated  MMType = 0x47
	DeregistrationAcceptUETerminated   MMType = 0x48
	ServiceRequest                     MMType = 0x4c
	ServiceReject                      MMType = 0x4d
	ServiceAccept                      MMType = 0x4e
	ControlPlaneServiceRequest         MMType = 0x4f
	NetworkSliceAuthCommand            MMType = 0x50
	NetworkSliceAuthComplete           MMType = 0x51
	NetworkSliceAuthResult             MMType = 0x52
	ConfigurationUpdateCommand         MMType = 0x54
	ConfigurationUpdateComplete        MMType = 0x55
	AuthenticationRequest              MMType = 0x56
	AuthenticationResponse             MMType = 0x57
	AuthenticationReject               MMType = 0x58
	AuthenticationFailure              MMType = 0x59
	AuthenticationResult               MMType = 0x5a
	IdentityRequest                    MMType = 0x5b
	IdentityResponse                   MMType = 0x5c
	SecurityModeCommand                MMType = 0x5d
	SecurityModeComplete               MMType = 0x5e
	SecurityModeReject                 MMType = 0x5f
	Status                             MMType = 0x64
	Notification                       MMType = 0x65
	NotificationResponse               MMType = 0x66
	ULNASTransport                     MMType = 0x67
	DLNASTransport                     MMType = 0x68
	RelayKeyRequest                    MMType = 0x69
	RelayKeyAccept                     MMType = 0x6a
	RelayKeyReject                     MMType = 0x6b
	RelayAuthenticationRequest         MMType = 0x6c
	RelayAuthenticationResponse        MMType = 0x6d
)

var mmNames = map[MMType]string{
	0x41: "registration_request", 0x42: "registration_accept", 0x43: "registration_complete",
	0x44: "registration_reject", 0x45: "deregistration_request_mo", 0x46: "deregistration_accept_mo",
	0x47: "deregistration_request_mt", 0x48: "deregistration_accept_mt", 0x4c: "service_request",
	0x4d: "service_reject", 0x4e: "service_accept", 0x4f: "cp_service_request",
	0x50: "nssaa_command", 0x51: "nssaa_complete", 0x52: "nssaa_result",
	0x54: "configuration_update_command", 0x55: "configuration_update_complete",
	0x56: "authentication_request", 0x57: "authentication_response", 0x58: "authentication_reject",
	0x59: "authentication_failure", 0x5a: "authentication_result", 0x5b: "identity_request",
	0x5c: "identity_response", 0x5d: "security_mode_command", 0x5e: "security_mode_complete",
	0x5f: "security_mode_reject", 0x64: "5gmm_status", 0x65: "notification",
	0x66: "notification_response", 0x67: "ul_nas_transport", 0x68: "dl_nas_transport",
	0x69: "relay_key_request", 0x6a: "relay_key_accept", 0x6b: "relay_key_reject",
	0x6c: "relay_authentication_request", 0x6d: "relay_authentication_response",
}

// mmKnown marks the types of mmNames, for a Known without a map lookup.
var mmKnown = func() (k [256]bool) {
	for t := range mmNames {
		k[t] = true
	}
	return k
}()

// Known reports whether t is a 5GMM message type of TS 24.501 release 17.
func (t MMType) Known() bool { return mmKnown[t] }

// String returns a short snake-case name, or "mm_0xNN".
func (t MMType) String() string {
	if s, ok := mmNames[t]; ok {
		return s
	}
	return "mm_0x" + strconv.FormatUint(uint64(t), 16)
}

// SMType is a 5GSM message type (TS 24.501 Table 9.7.2).
type SMType uint8

// Some 5GSM message types.
const (
	PDUSessionEstablishmentRequest SMType = 0xc1
	PDUSessionEstablishmentAccept  SMType = 0xc2
	PDUSessionEstablishmentReject  SMType = 0xc3
	PDUSessionModificationRequest  SMType = 0xc9
	PDUSessionModificationReject   SMType = 0xca
	PDUSessionModificationCommand  SMType = 0xcb
	PDUSessionReleaseRequest       SMType = 0xd1
	PDUSessionReleaseReject        SMType = 0xd2
	PDUSessionReleaseCommand       SMType = 0xd3
	PDUSessionReleaseComplete      SMType = 0xd4
	SMStatus                       SMType = 0xd6
)

// Known reports whether t is a 5GSM message type of TS 24.501 release 17
// (0xc1–0xcf, 0xd1–0xd6).
func (t SMType) Known() bool {
	return (t >= 0xc1 && t <= 0xc7) || (t >= 0xc9 && t <= 0xcd) || (t >= 0xd1 && t <= 0xd6)
}

// String returns "sm_0xNN".
func (t SMType) String() string { return "sm_0x" + strconv.FormatUint(uint64(t), 16) }

// hasCause reports whether the 5GSM cause is the first mandatory IE of
// messages of type t (TS 24.501 §8.3.3, §8.3.8, §8.3.13, §8.3.14, §8.3.16).
func (t SMType) hasCause() bool {
	switch t {
	case PDUSessionEstablishmentReject, PDUSessionModificationReject, PDUSessionReleaseReject,
		PDUSessionReleaseCommand, SMStatus:
		return true
	}
	return false
}

// ProtocolErrorCause reports whether c is one of the 5GMM and 5GSM
// causes TS 24.501 Annex A and Annex B list as related to invalid
// messages: #95 semantically incorrect message, #96 invalid mandatory
// information, #97 message type non-existent or not implemented, #98
// message type not compatible with the protocol state, #99 information
// element non-existent or not implemented, #100 conditional IE error,
// #101 message not compatible with the protocol state, #111 protocol
// error, unspecified (Tables 9.11.3.2.1 and 9.11.4.2.1). The receiver of
// an erroneous message sends them (§7: message too short, unknown or
// unforeseen message type, missing mandatory or unknown
// comprehension-required IEs, semantically incorrect contents).
func ProtocolErrorCause(c uint8) bool {
	return c >= CauseSemanticallyIncorrect && c <= CauseMessageNotCompatibleState || c == CauseProtocolErrorUnspecified
}

// 5GMM cause values a detector watches (TS 24.501 Table 9.11.3.2.1).
const (
	CauseIllegalUE                 = 3
	CausePEINotAccepted            = 5
	CauseIllegalME                 = 6
	Cause5GSServicesNotAllowed     = 7
	CauseUEIdentityNotDerived      = 9
	CauseImplicitlyDeregistered    = 10
	CausePLMNNotAllowed            = 11
	CauseTANotAllowed              = 12
	CauseRoamingNotAllowed         = 13
	CauseMACFailure                = 20
	CauseSynchFailure              = 21
	CauseCongestion                = 22
	CauseUESecurityMismatch        = 23
	CauseSecurityModeRejected      = 24
	CauseNon5GAuthUnacceptable     = 26
	CauseSemanticallyIncorrect     = 95
	CauseInvalidMandatoryInfo      = 96
	CauseMessageTypeNonExistent    = 97
	CauseProtocolErrorUnspecified  = 111
	CauseMessageNotCompatible      = 98
	CauseIENonExistent             = 99
	CauseConditionalIEError        = 100
	CauseMessageNotCompatibleState = 101
)
