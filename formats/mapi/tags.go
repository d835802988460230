package mapi

// Property ids (MS-OXPROPS). Only the id is given: a property is looked up
// with the type its value has (Properties.String tries PtypString and
// PtypString8, and so on).
const (
	PidTagMessageClass                 = 0x001A
	PidTagSubject                      = 0x0037
	PidTagSubjectPrefix                = 0x003D
	PidTagNormalizedSubject            = 0x0E1D
	PidTagClientSubmitTime             = 0x0039
	PidTagMessageDeliveryTime          = 0x0E06
	PidTagCreationTime                 = 0x3007
	PidTagLastModificationTime         = 0x3008
	PidTagImportance                   = 0x0017
	PidTagPriority                     = 0x0026
	PidTagSensitivity                  = 0x0036
	PidTagMessageFlags                 = 0x0E07
	PidTagMessageSize                  = 0x0E08
	PidTagInternetMessageId            = 0x1035
	PidTagInReplyToId                  = 0x1042
	PidTagInternetReferences           = 0x1039
	PidTagTransportMessageHeaders      = 0x007D
	PidTagConversationTopic            = 0x0070
	PidTagConversationIndex            = 0x0071
	PidTagReplyRecipientNames          = 0x0050
	PidTagDisplayTo                    = 0x0E04
	PidTagDisplayCc                    = 0x0E03
	PidTagDisplayBcc                   = 0x0E02
	PidTagSenderName                   = 0x0C1A
	PidTagSenderEmailAddress           = 0x0C1F
	PidTagSenderAddressType            = 0x0C1E
	PidTagSenderSmtpAddress            = 0x5D01
	PidTagSentRepresentingName         = 0x0042
	PidTagSentRepresentingEmailAddress = 0x0065
	PidTagSentRepresentingAddressType  = 0x0064
	PidTagSentRepresentingSmtpAddress  = 0x5D02
	PidTagReceivedByName               = 0x0040
	PidTagReceivedByEmailAddress       = 0x0076
	PidTagOriginalSubject              = 0x0049
	PidTagReportText                   = 0x1001
	PidTagBody                         = 0x1000
	PidTagHtml                         = 0x1013
	PidTagRtfCompressed                = 0x1009
	PidTagRtfInSync                    = 0x0E1F
	PidTagNativeBody                   = 0x1016
	PidTagInternetCodepage             = 0x3FDE
	PidTagMessageCodepage              = 0x3FFD
	PidTagMessageLocaleId              = 0x3FF1
	PidTagStoreSupportMask             = 0x340D
	PidTagParentEntryId                = 0x0E09
	PidTagEntryId                      = 0x0FFF
	PidTagSearchKey                    = 0x300B
	PidTagDisplayName                  = 0x3001
	PidTagComment                      = 0x3004
	PidTagLastModifierName             = 0x3FFA
	PidTagCreatorName                  = 0x3FF8
	PidTagPasswordMailbox              = 0x67FF // PST password CRC (PidTagPstPassword)

	// Recipients (MS-OXOMSG 2.2.3, MS-OXOABK)
	PidTagRecipientType        = 0x0C15
	PidTagEmailAddress         = 0x3003
	PidTagAddressType          = 0x3002
	PidTagSmtpAddress          = 0x39FE
	PidTagRecipientDisplayName = 0x5FF6
	PidTagPrimarySmtpAddress   = 0x39FE
	PidTagRecipientFlags       = 0x5FFD
	PidTagRecipientTrackStatus = 0x5FFF
	PidTagRowid                = 0x3000

	// Attachments (MS-OXCMSG 2.2.2)
	PidTagAttachNumber          = 0x0E21
	PidTagAttachMethod          = 0x3705
	PidTagAttachFilename        = 0x3704
	PidTagAttachLongFilename    = 0x3707
	PidTagAttachExtension       = 0x3703
	PidTagAttachMimeTag         = 0x370E
	PidTagAttachContentId       = 0x3712
	PidTagAttachContentLocation = 0x3713
	PidTagAttachDataBinary      = 0x3701 // PtypBinary; as PtypObject: embedded message or OLE storage
	PidTagAttachSize            = 0x0E20
	PidTagAttachFlags           = 0x3714
	PidTagAttachmentHidden      = 0x7FFE
	PidTagAttachmentFlags       = 0x7FFD
	PidTagAttachLongPathname    = 0x370D
	PidTagAttachPathname        = 0x3708
	PidTagAttachRendering       = 0x3709
	PidTagAttachTag             = 0x370A
	PidTagRenderingPosition     = 0x370B
	PidTagAttachEncoding        = 0x3702
	PidTagAttachAdditionalInfo  = 0x370F
	PidTagAttachPayloadClass    = 0x371A
	PidTagTextAttachmentCharset = 0x371B
	PidTagExceptionStartTime    = 0x7FFB
	PidTagExceptionEndTime      = 0x7FFC

	// Delivery reports (MS-OXOMSG 2.2.2)
	PidTagOriginalDisplayTo             = 0x0074
	PidTagOriginalSubmitTime            = 0x004E
	PidTagReportTime                    = 0x0032
	PidTagReportingMessageTransferAgent = 0x6820
	PidTagNonDeliveryReportDiagCode     = 0x0C05
	PidTagNonDeliveryReportReasonCode   = 0x0C04
	PidTagNonDeliveryReportStatusCode   = 0x0C20
	PidTagSupplementaryInfo             = 0x0C1B
	PidTagRemoteMessageTransferAgent    = 0x0C21
	PidTagDeliverTime                   = 0x0010
	PidTagReportName                    = 0x003A
	PidTagReportDisposition             = 0x0080
	PidTagReportDispositionMode         = 0x0081

	// Contacts (MS-OXOCNTC)
	PidTagGivenName                  = 0x3A06
	PidTagSurname                    = 0x3A11
	PidTagMiddleName                 = 0x3A44
	PidTagDisplayNamePrefix          = 0x3A45
	PidTagGeneration                 = 0x3A05
	PidTagNickname                   = 0x3A4F
	PidTagInitials                   = 0x3A0A
	PidTagCompanyName                = 0x3A16
	PidTagDepartmentName             = 0x3A18
	PidTagTitle                      = 0x3A17
	PidTagOfficeLocation             = 0x3A19
	PidTagBusinessTelephoneNumber    = 0x3A08
	PidTagBusiness2TelephoneNumber   = 0x3A1B
	PidTagHomeTelephoneNumber        = 0x3A09
	PidTagMobileTelephoneNumber      = 0x3A1C
	PidTagBusinessFaxNumber          = 0x3A24
	PidTagHomeFaxNumber              = 0x3A25
	PidTagPagerTelephoneNumber       = 0x3A21
	PidTagBusinessHomePage           = 0x3A51
	PidTagPersonalHomePage           = 0x3A50
	PidTagBirthday                   = 0x3A42
	PidTagWeddingAnniversary         = 0x3A41
	PidTagSpouseName                 = 0x3A48
	PidTagStreetAddress              = 0x3A29
	PidTagLocality                   = 0x3A27
	PidTagStateOrProvince            = 0x3A28
	PidTagPostalCode                 = 0x3A2A
	PidTagCountry                    = 0x3A26
	PidTagHomeAddressStreet          = 0x3A5D
	PidTagHomeAddressCity            = 0x3A59
	PidTagHomeAddressStateOrProvince = 0x3A5C
	PidTagHomeAddressPostalCode      = 0x3A5B
	PidTagHomeAddressCountry         = 0x3A5A
	PidTagOtherAddressStreet         = 0x3A63
	PidTagOtherAddressCity           = 0x3A5F

	// Named property sets (for Properties.NamedID)
)

// Property set GUIDs (MS-OXPROPS 1.3.2), in the byte order they are
// stored (the first three fields little-endian).
var (
	PSETIDAppointment = guid("00062002-0000-0000-C000-000000000046")
	PSETIDAddress     = guid("00062004-0000-0000-C000-000000000046")
	PSETIDTask        = guid("00062003-0000-0000-C000-000000000046")
	PSETIDCommon      = guid("00062008-0000-0000-C000-000000000046")
	PSETIDLog         = guid("0006200A-0000-0000-C000-000000000046")
	PSETIDNote        = guid("0006200E-0000-0000-C000-000000000046")
	PSETIDMeeting     = guid("6ED8DA90-450B-101B-98DA-00AA003F1305")
	PSINTERNETHEADERS = guid("00020386-0000-0000-C000-000000000046")
	PSPUBLICSTRINGS   = guid("00020329-0000-0000-C000-000000000046")
	PSMAPI            = guid("00020328-0000-0000-C000-000000000046")
)

// guid parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into its stored form.
func guid(s string) (g [16]byte) {
	hex := func(c byte) byte {
		switch {
		case c >= '0' && c <= '9':
			return c - '0'
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10
		}
		panic("mapi: bad GUID " + s)
	}
	var raw []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '-' {
			continue
		}
		raw = append(raw, hex(s[i])<<4|hex(s[i+1]))
		i++
	}
	// Data1 (4 bytes), Data2, Data3 (2 bytes each) little-endian
	g[0], g[1], g[2], g[3] = raw[3], raw[2], raw[1], raw[0]
	g[4], g[5] = raw[5], raw[4]
	g[6], g[7] = raw[7], raw[6]
	copy(g[8:], raw[8:16])
	return g
}

// GUIDString formats a stored GUID.
func GUIDString(g [16]byte) string {
	return hex4(g[3], g[2], g[1], g[0]) + "-" + hex4(g[5], g[4]) + "-" + hex4(g[7], g[6]) + "-" + hex4(g[8], g[9]) + "-" + hex4(g[10], g[11], g[12], g[13], g[14], g[15])
}

func hex4(b ...byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// Named property ids (LIDs) used when converting items.
const (
	PidLidAppointmentStartWhole         = 0x820D // PSETID_Appointment, PtypTime
	PidLidAppointmentEndWhole           = 0x820E
	PidLidLocation                      = 0x8208
	PidLidAppointmentSubType            = 0x8215 // all-day
	PidLidBusyStatus                    = 0x8205
	PidLidRecurring                     = 0x8223
	PidLidAppointmentRecur              = 0x8216
	PidLidTimeZoneDescription           = 0x8234
	PidLidGlobalObjectId                = 0x0003 // PSETID_Meeting
	PidLidCleanGlobalObjectId           = 0x0023
	PidLidOrganizerAlias                = 0x0000 // unused
	PidLidTaskStartDate                 = 0x8104 // PSETID_Task
	PidLidTaskDueDate                   = 0x8105
	PidLidTaskStatus                    = 0x8101
	PidLidPercentComplete               = 0x8102
	PidLidTaskComplete                  = 0x811C
	PidLidTaskDateCompleted             = 0x810F
	PidLidNoteColor                     = 0x8B00 // PSETID_Note
	PidLidEmail1DisplayName             = 0x8080 // PSETID_Address
	PidLidEmail1EmailAddress            = 0x8083
	PidLidEmail1AddressType             = 0x8082
	PidLidEmail2DisplayName             = 0x8090
	PidLidEmail2EmailAddress            = 0x8093
	PidLidEmail3DisplayName             = 0x80A0
	PidLidEmail3EmailAddress            = 0x80A3
	PidLidFileUnder                     = 0x8005
	PidLidWorkAddressStreet             = 0x8045
	PidLidWorkAddressCity               = 0x8046
	PidLidWorkAddressState              = 0x8047
	PidLidWorkAddressPostalCode         = 0x8048
	PidLidWorkAddressCountry            = 0x8049
	PidLidInstantMessagingAddress       = 0x8062
	PidLidHtml                          = 0x802B
	PidLidDistributionListMembers       = 0x8055
	PidLidDistributionListOneOffMembers = 0x8054
	PidLidDistributionListName          = 0x8053
	PidLidCommonStart                   = 0x8516 // PSETID_Common
	PidLidCommonEnd                     = 0x8517
	PidLidReminderSet                   = 0x8503
	PidLidCategories                    = 0x9000 // PS_PUBLIC_STRINGS "Keywords" by name
)
