package tnef

import "fmt"

// Attribute ids (MS-OXTNEF section 2.1.3.3): the attribute's data type in
// the high word, its number in the low word.
const (
	AttOwner                   = 0x00060000
	AttSentFor                 = 0x00060001
	AttDelegate                = 0x00060002
	AttDateStart               = 0x00030006
	AttDateEnd                 = 0x00030007
	AttAidOwner                = 0x00050008
	AttRequestRes              = 0x00040009
	AttFrom                    = 0x00008000
	AttSubject                 = 0x00018004
	AttDateSent                = 0x00038005
	AttDateRecd                = 0x00038006
	AttMessageStatus           = 0x00068007
	AttMessageClass            = 0x00078008
	AttMessageID               = 0x00018009
	AttParentID                = 0x0001800A
	AttConversationID          = 0x0001800B
	AttBody                    = 0x0002800C
	AttPriority                = 0x0004800D
	AttAttachData              = 0x0006800F
	AttAttachTitle             = 0x00018010
	AttAttachMetaFile          = 0x00068011
	AttAttachCreateDate        = 0x00038012
	AttAttachModifyDate        = 0x00038013
	AttDateModified            = 0x00038020
	AttAttachTransportFilename = 0x00069001
	AttAttachRenddata          = 0x00069002
	AttMsgProps                = 0x00069003
	AttRecipTable              = 0x00069004
	AttAttachment              = 0x00069005
	AttTnefVersion             = 0x00089006
	AttOemCodepage             = 0x00069007
	AttOriginalMessageClass    = 0x00070600
)

var attNames = map[uint32]string{
	AttOwner: "attOwner", AttSentFor: "attSentFor", AttDelegate: "attDelegate",
	AttDateStart: "attDateStart", AttDateEnd: "attDateEnd", AttAidOwner: "attAidOwner",
	AttRequestRes: "attRequestRes", AttFrom: "attFrom", AttSubject: "attSubject",
	AttDateSent: "attDateSent", AttDateRecd: "attDateRecd", AttMessageStatus: "attMessageStatus",
	AttMessageClass: "attMessageClass", AttMessageID: "attMessageID", AttParentID: "attParentID",
	AttConversationID: "attConversationID", AttBody: "attBody", AttPriority: "attPriority",
	AttAttachData: "attAttachData", AttAttachTitle: "attAttachTitle", AttAttachMetaFile: "attAttachMetaFile",
	AttAttachCreateDate: "attAttachCreateDate", AttAttachModifyDate: "attAttachModifyDate",
	AttDateModified: "attDateModified", AttAttachTransportFilename: "attAttachTransportFilename",
	AttAttachRenddata: "attAttachRendData", AttMsgProps: "attMsgProps", AttRecipTable: "attRecipTable",
	AttAttachment: "attAttachment", AttTnefVersion: "attTnefVersion", AttOemCodepage: "attOemCodepage",
	AttOriginalMessageClass: "attOriginalMessageClass",
}

// AttName returns the name MS-OXTNEF gives an attribute id, or its number
// in hexadecimal.
func AttName(id uint32) string {
	if s, ok := attNames[id]; ok {
		return s
	}
	return fmt.Sprintf("0x%08X", id)
}

// Property ids the legacy attributes map to that formats/mapi has no
// constant for (MS-OXPROPS).
const (
	pidTagConversationKey      = 0x000B
	pidTagParentKey            = 0x0025
	pidTagOriginalMessageClass = 0x004B
	pidTagStartDate            = 0x0060
	pidTagEndDate              = 0x0061
	pidTagOwnerAppointmentID   = 0x0062
	pidTagResponseRequested    = 0x0063
	pidTagAttachTransportName  = 0x370C
)

// legacyClasses maps the message classes of MS Mail 3.x and Schedule+,
// which old writers put in attMessageClass, to their MAPI names (MS-OXTNEF
// section 2.1.3.3, attMessageClass).
var legacyClasses = map[string]string{
	"IPM.Microsoft Mail.Note":         "IPM.Note",
	"IPM.Microsoft Mail.Read Receipt": "Report.IPM.Note.IPNRN",
	"IPM.Microsoft Mail.Non-Delivery": "Report.IPM.Note.NDR",
	"IPM.Microsoft Schedule.MtgReq":   "IPM.Schedule.Meeting.Request",
	"IPM.Microsoft Schedule.MtgRespP": "IPM.Schedule.Meeting.Resp.Pos",
	"IPM.Microsoft Schedule.MtgRespN": "IPM.Schedule.Meeting.Resp.Neg",
	"IPM.Microsoft Schedule.MtgRespA": "IPM.Schedule.Meeting.Resp.Tent",
	"IPM.Microsoft Schedule.MtgCncl":  "IPM.Schedule.Meeting.Canceled",
}
