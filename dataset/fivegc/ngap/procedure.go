package ngap

import "strconv"

// Procedure is an NGAP procedure code (TS 38.413 §9.4.7).
type Procedure uint8

// Some procedure codes.
const (
	AMFConfigurationUpdate    Procedure = 0
	DownlinkNASTransport      Procedure = 4
	ErrorIndication           Procedure = 9
	HandoverPreparation       Procedure = 12
	InitialContextSetup       Procedure = 14
	InitialUEMessage          Procedure = 15
	NASNonDeliveryIndication  Procedure = 19
	NGReset                   Procedure = 20
	NGSetup                   Procedure = 21
	Paging                    Procedure = 24
	PathSwitchRequest         Procedure = 25
	PDUSessionResourceModify  Procedure = 26
	PDUSessionResourceRelease Procedure = 28
	PDUSessionResourceSetup   Procedure = 29
	RerouteNASRequest         Procedure = 36
	UEContextModification     Procedure = 40
	UEContextRelease          Procedure = 41
	UEContextReleaseRequest   Procedure = 42
	UERadioCapabilityInfo     Procedure = 44
	UplinkNASTransport        Procedure = 46
)

var procNames = [...]string{
	"amf_configuration_update", "amf_status_indication", "cell_traffic_trace", "deactivate_trace",
	"downlink_nas_transport", "downlink_non_ue_nrppa_transport", "downlink_ran_configuration_transfer",
	"downlink_ran_status_transfer", "downlink_ue_nrppa_transport", "error_indication", "handover_cancel",
	"handover_notification", "handover_preparation", "handover_resource_allocation",
	"initial_context_setup", "initial_ue_message", "location_reporting_control",
	"location_reporting_failure_indication", "location_report", "nas_non_delivery_indication",
	"ng_reset", "ng_setup", "overload_start", "overload_stop", "paging", "path_switch_request",
	"pdu_session_resource_modify", "pdu_session_resource_modify_indication",
	"pdu_session_resource_release", "pdu_session_resource_setup", "pdu_session_resource_notify",
	"private_message", "pws_cancel", "pws_failure_indication", "pws_restart_indication",
	"ran_configuration_update", "reroute_nas_request", "rrc_inactive_transition_report",
	"trace_failure_indication", "trace_start", "ue_context_modification", "ue_context_release",
	"ue_context_release_request", "ue_radio_capability_check", "ue_radio_capability_info_indication",
	"ue_tnla_binding_release", "uplink_nas_transport", "uplink_non_ue_nrppa_transport",
	"uplink_ran_configuration_transfer", "uplink_ran_status_transfer", "uplink_ue_nrppa_transport",
	"write_replace_warning", "secondary_rat_data_usage_report", "uplink_rim_information_transfer",
	"downlink_rim_information_transfer", "retrieve_ue_information", "ue_information_transfer",
	"ran_cp_relocation_indication", "ue_context_resume", "ue_context_suspend",
	"ue_radio_capability_id_mapping", "handover_success", "uplink_ran_early_status_transfer",
	"downlink_ran_early_status_transfer",
}

// Known reports whether p is a procedure code of TS 38.413 (0..63).
func (p Procedure) Known() bool { return int(p) < len(procNames) }

// String returns a short snake-case name, or "procedure_N".
func (p Procedure) String() string {
	if int(p) < len(procNames) {
		return procNames[p]
	}
	return "procedure_" + strconv.Itoa(int(p))
}
