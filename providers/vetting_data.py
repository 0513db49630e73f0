"""Reference data for provider vetting: evidence types, insurance minimums, the default checklist.

Pure data with no Django imports, so migrations, seed commands and tests can all load it. The content
draws on published local authority and trust AP commissioning procedures (pre-placement checklists, QA
visit checklists, health and safety guidance for AP and the quality standards for unregistered AP), worded
for this app.

``critical`` on an evidence type means that a missing or expired document stops the provider being
approved, or lapses an approval already given. For a policy, ``has_expiry`` means the provider states
a review-by date, and the policy is treated as expiring on that date.
"""

EVIDENCE_CATEGORIES = ("policy", "insurance", "assurance", "registration", "risk_assessment", "other")
INSURANCE_KINDS = ("public_liability", "employers_liability", "professional_negligence", "motor")
CHECKLIST_APPLIES_TO = ("all", "higher_risk", "lower_risk")

EVIDENCE_TYPES = (
    # --- Policies -------------------------------------------------------------------------------
    {
        "code": "safeguarding_policy",
        "label": "Safeguarding and child protection policy",
        "category": "policy",
        "critical": True,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "allegations_procedure",
        "label": "Procedure for handling allegations against staff and volunteers",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "behaviour_policy",
        "label": "Behaviour policy (including anti-bullying, sanctions, physical intervention and drugs)",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "health_safety_policy",
        "label": "Health and safety policy",
        "category": "policy",
        "critical": True,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "complaints_policy",
        "label": "Complaints procedure",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "data_protection_policy",
        "label": "Data protection (UK GDPR) policy",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "online_safety_policy",
        "label": "Online safety policy (including filtering, monitoring and mobile phones)",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "it_security_policy",
        "label": "IT security and acceptable use policy",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "first_aid_policy",
        "label": "First aid policy and arrangements",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "attendance_policy",
        "label": "Attendance policy and registration procedure",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "admissions_policy",
        "label": "Admissions and referral procedure",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "equality_policy",
        "label": "Equality policy, information and objectives",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "send_accessibility_policy",
        "label": "SEND and accessibility policy",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "whistleblowing_policy",
        "label": "Whistleblowing policy",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "staff_code_of_conduct",
        "label": "Staff and volunteer code of conduct",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "safer_recruitment_policy",
        "label": "Safer recruitment policy or statement",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "rse_policy",
        "label": "Relationships, sex and health education (RSE/PSHE) policy",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "educational_visits_policy",
        "label": "Educational visits and off-site activities policy",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "lone_working_policy",
        "label": "Lone working and one-to-one supervision policy",
        "category": "policy",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    # --- Insurance ------------------------------------------------------------------------------
    {
        "code": "public_liability_insurance",
        "label": "Public liability insurance certificate",
        "category": "insurance",
        "critical": True,
        "has_expiry": True,
        "insurance_kind": "public_liability",
    },
    {
        "code": "employers_liability_insurance",
        "label": "Employer's liability insurance certificate",
        "category": "insurance",
        "critical": True,
        "has_expiry": True,
        "insurance_kind": "employers_liability",
    },
    {
        "code": "professional_negligence_insurance",
        "label": "Professional negligence / indemnity insurance certificate",
        "category": "insurance",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": "professional_negligence",
    },
    # Not critical for every provider: the approval logic must treat it as critical when the provider
    # transports pupils (or visitors) in its own or its staff's vehicles.
    {
        "code": "motor_insurance",
        "label": "Motor insurance covering the transport of pupils",
        "category": "insurance",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": "motor",
    },
    # Subcontracted services must carry the same cover levels as the provider itself.
    {
        "code": "subcontractor_insurance",
        "label": "Subcontractor insurance confirmation (same cover levels as the provider)",
        "category": "insurance",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    # --- Assurance ------------------------------------------------------------------------------
    {
        "code": "scr_dbs_assurance",
        "label": "Single central record / DBS assurance letter",
        "category": "assurance",
        "critical": True,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "dsl_training_certificate",
        "label": "Designated safeguarding lead and deputy training certificates",
        "category": "assurance",
        "critical": True,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "safeguarding_training_records",
        "label": "Staff safeguarding training records",
        "category": "assurance",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "kcsie_read_confirmation",
        "label": "Staff confirmation of reading Keeping Children Safe in Education",
        "category": "assurance",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "first_aid_certificate",
        "label": "First aid at work certificates",
        "category": "assurance",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "staff_qualifications_record",
        "label": "Staff qualifications and experience summary",
        "category": "assurance",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "specialist_equipment_competence",
        "label": "Staff training or qualifications for specialist equipment",
        "category": "assurance",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "driver_checks",
        "label": "Driver licence and suitability checks",
        "category": "assurance",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "inspection_report",
        "label": "Ofsted or other inspection report",
        "category": "assurance",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    # --- Registration ---------------------------------------------------------------------------
    {
        "code": "registration_status_evidence",
        "label": "Registration status evidence (DfE URN / Get Information about Schools record)",
        "category": "registration",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "la_directory_listing",
        "label": "Local authority AP directory listing",
        "category": "registration",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "ico_registration",
        "label": "ICO registration (data protection fee) certificate",
        "category": "registration",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "ukrlp_registration",
        "label": "UK Register of Learning Providers (UKPRN) entry",
        "category": "registration",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "awarding_body_approval",
        "label": "Awarding body centre approval for qualifications offered",
        "category": "registration",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    # --- Risk assessments -----------------------------------------------------------------------
    {
        "code": "fire_risk_assessment",
        "label": "Fire risk assessment",
        "category": "risk_assessment",
        "critical": True,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "general_risk_assessment",
        "label": "General risk assessment (premises, activities, equipment and supervision)",
        "category": "risk_assessment",
        "critical": True,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "significant_risks_statement",
        "label": "Statement of significant risks and control measures",
        "category": "risk_assessment",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "young_persons_risk_assessment",
        "label": "Young persons' risk assessment",
        "category": "risk_assessment",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "equipment_risk_assessment",
        "label": "Specialist equipment and machinery risk assessments",
        "category": "risk_assessment",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "coshh_assessment",
        "label": "COSHH assessments for hazardous substances",
        "category": "risk_assessment",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "transport_risk_assessment",
        "label": "Transport risk assessment",
        "category": "risk_assessment",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "animal_handling_risk_assessment",
        "label": "Animal handling and farm risk assessment",
        "category": "risk_assessment",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    # --- Other ----------------------------------------------------------------------------------
    {
        "code": "fire_drill_log",
        "label": "Fire drill and alarm test log",
        "category": "other",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "electrical_safety_certificate",
        "label": "Electrical installation condition report (EICR)",
        "category": "other",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "pat_testing_record",
        "label": "Portable appliance (PAT) testing record",
        "category": "other",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "asbestos_register",
        "label": "Asbestos register and management plan",
        "category": "other",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "accident_incident_log",
        "label": "Accident, incident and first aid record",
        "category": "other",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "machinery_inspection_records",
        "label": "Machinery and lifting equipment inspection and maintenance records",
        "category": "other",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "ppe_records",
        "label": "Personal protective equipment issue and training records",
        "category": "other",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "vehicle_check_records",
        "label": "Vehicle roadworthiness records (MOT, servicing, pre-use checks)",
        "category": "other",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "construction_site_induction",
        "label": "Construction site induction and site rules",
        "category": "other",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "pupil_induction_programme",
        "label": "Pupil induction programme (including health and safety)",
        "category": "other",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "curriculum_offer",
        "label": "Curriculum offer, schemes of work and assessment arrangements",
        "category": "other",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "provider_annual_report",
        "label": "Provider annual report or self-evaluation",
        "category": "other",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "sla_acceptance",
        "label": "Acceptance of the trust's service level agreement terms",
        "category": "other",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "data_sharing_agreement",
        "label": "Data sharing agreement",
        "category": "other",
        "critical": False,
        "has_expiry": True,
        "insurance_kind": None,
    },
    {
        "code": "emergency_contacts",
        "label": "Named and emergency contacts",
        "category": "other",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
    {
        "code": "premises_details",
        "label": "Premises details (every site used, and ownership or permission to use it)",
        "category": "other",
        "critical": False,
        "has_expiry": False,
        "insurance_kind": None,
    },
)

# Trust-configurable defaults, per occurrence. Motor cover has no fixed figure: it must match the
# provider's liabilities for the vehicles it uses to carry pupils.
INSURANCE_DEFAULT_MINIMUMS_GBP = {
    "public_liability": 5_000_000,
    "employers_liability": 10_000_000,
    "professional_negligence": 2_000_000,
    "motor": None,
}

# Items whose guidance starts "Where ..." only bite when that circumstance applies, so they are not
# marked required; the reviewer records "not applicable" otherwise.
VETTING_CHECKLIST = {
    "name": "Default provider vetting checklist",
    "version": 1,
    "sections": [
        {
            "code": "pre_placement",
            "title": "Pre-placement checks",
            "items": [
                {
                    "code": "pre_la_directory",
                    "text": "The provider is listed in the local authority's AP directory.",
                    "guidance": (
                        "Trusts prefer directory providers except in exceptional circumstances. A listing "
                        "does not replace the trust's own checks: quality assurance stays with the school "
                        "commissioning the place."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["la_directory_listing"],
                    "required": False,
                },
                {
                    "code": "pre_registration_status",
                    "text": (
                        "Registration status is recorded: registered independent school, academy, "
                        "maintained school or PRU, or unregistered (non-school) AP."
                    ),
                    "guidance": (
                        "Unregistered settings must not give full-time education (more than 18 hours a week "
                        "in the daytime) to five or more pupils of compulsory school age, or to one pupil "
                        "who is looked after or has an EHCP. Running an unregistered independent school is "
                        "an offence. Check the DfE record (URN) for registered settings."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["registration_status_evidence"],
                    "required": True,
                },
                {
                    "code": "pre_inspection_report",
                    "text": (
                        "The latest Ofsted or other inspection report has been read and any concerns noted."
                    ),
                    "guidance": (
                        "Where the provider is a registered school or otherwise inspected. Record the "
                        "inspection date and judgement."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["inspection_report"],
                    "required": False,
                },
                {
                    "code": "pre_scr_dbs_assurance",
                    "text": (
                        "The provider has confirmed in writing that every member of staff and volunteer "
                        "has had the recruitment and vetting checks a school would make."
                    ),
                    "guidance": (
                        "Checks include an enhanced DBS check and are held on a single central record; "
                        "anyone who fails them is not employed. Ask for a safer recruitment statement and "
                        "confirm the letter reflects the current staff team."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["scr_dbs_assurance", "safer_recruitment_policy"],
                    "required": True,
                },
                {
                    "code": "pre_safeguarding_policy",
                    "text": (
                        "An up-to-date safeguarding and child protection policy is in place, including how "
                        "allegations against staff are handled."
                    ),
                    "guidance": (
                        "The policy should follow the current Keeping Children Safe in Education and the "
                        "local safeguarding partnership's procedures, and be published on the provider's "
                        "website. Check the website and any social media feeds too."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["safeguarding_policy", "allegations_procedure"],
                    "required": True,
                },
                {
                    "code": "pre_dsl_named_trained",
                    "text": (
                        "A designated safeguarding lead and a deputy are named and hold current DSL training."
                    ),
                    "guidance": (
                        "DSL-level training should be renewed at least every two years. The DSL or deputy "
                        "should be on site whenever our pupils are. Record names and contact details."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["dsl_training_certificate"],
                    "required": True,
                },
                {
                    "code": "pre_staff_safeguarding_training",
                    "text": "All staff have current safeguarding training and have read Part 1 of KCSIE.",
                    "guidance": (
                        "The stricter reference standard is safeguarding training for all staff within the "
                        "last year; managers and supervisors should also know the full KCSIE. Check that "
                        "new starters are covered."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["safeguarding_training_records", "kcsie_read_confirmation"],
                    "required": True,
                },
                {
                    "code": "pre_behaviour_policy",
                    "text": (
                        "A written behaviour policy sets out sanctions, physical intervention, anti-bullying "
                        "and drugs."
                    ),
                    "guidance": (
                        "Compare it with the school's behaviour policy. Any differences that will apply to "
                        "our pupils must be agreed and written into the agreement."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["behaviour_policy"],
                    "required": True,
                },
                {
                    "code": "pre_health_safety_policy",
                    "text": "A health and safety policy is in place and understood by staff.",
                    "guidance": (
                        "Safeguarding and health and safety must be secured before any educational aims."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["health_safety_policy"],
                    "required": True,
                },
                {
                    "code": "pre_complaints_policy",
                    "text": "A complaints procedure is available to pupils and parents.",
                    "guidance": "",
                    "applies_to": "all",
                    "evidence_types": ["complaints_policy"],
                    "required": True,
                },
                {
                    "code": "pre_data_protection_policy",
                    "text": "Data protection and IT security policies are in place.",
                    "guidance": (
                        "Pupil records must be kept in line with UK GDPR; information shared with the school "
                        "must travel securely."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["data_protection_policy", "it_security_policy"],
                    "required": True,
                },
                {
                    "code": "pre_ico_registration",
                    "text": "The provider is registered with the ICO and the registration is current.",
                    "guidance": (
                        "Search the ICO public register and record the registration number and renewal date."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["ico_registration"],
                    "required": True,
                },
                {
                    "code": "pre_online_safety_policy",
                    "text": "An online safety policy covers filtering, monitoring and mobile phones on site.",
                    "guidance": (
                        "Needed where pupils use computers or online systems. Give the provider the school's "
                        "expectations on social networking and online safety in writing."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["online_safety_policy"],
                    "required": True,
                },
                {
                    "code": "pre_first_aid",
                    "text": (
                        "First aid arrangements are in place, with a qualified first aider available "
                        "whenever pupils are on site."
                    ),
                    "guidance": "Check first aid at work certificates are in date for the staff named.",
                    "applies_to": "all",
                    "evidence_types": ["first_aid_policy", "first_aid_certificate"],
                    "required": True,
                },
                {
                    "code": "pre_fire_risk_assessment",
                    "text": "A current fire risk assessment and fire procedures cover every site pupils use.",
                    "guidance": "",
                    "applies_to": "all",
                    "evidence_types": ["fire_risk_assessment"],
                    "required": True,
                },
                {
                    "code": "pre_public_liability",
                    "text": "Public liability insurance meets the trust minimum.",
                    "guidance": (
                        "Default minimum £5m for any one occurrence; check the dates and the insured name."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["public_liability_insurance"],
                    "required": True,
                },
                {
                    "code": "pre_employers_liability",
                    "text": "Employer's liability insurance meets the trust minimum.",
                    "guidance": "Default minimum £10m for any one occurrence.",
                    "applies_to": "all",
                    "evidence_types": ["employers_liability_insurance"],
                    "required": True,
                },
                {
                    "code": "pre_professional_negligence",
                    "text": "Professional negligence or indemnity insurance meets the trust minimum.",
                    "guidance": "Default minimum £2m for any one occurrence.",
                    "applies_to": "all",
                    "evidence_types": ["professional_negligence_insurance"],
                    "required": True,
                },
                {
                    "code": "pre_motor_insurance",
                    "text": "Motor insurance covers any vehicle the provider uses to carry pupils.",
                    "guidance": (
                        "Where the provider transports pupils. Cover must match the liabilities of carrying "
                        "pupils and visitors; business use must be included for staff's own cars."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["motor_insurance", "driver_checks"],
                    "required": False,
                },
                {
                    "code": "pre_other_policies",
                    "text": (
                        "Other expected policies are in place: equality, SEND and accessibility, "
                        "whistleblowing, staff code of conduct, admissions and RSE."
                    ),
                    "guidance": "Note any that are missing and agree a date for them.",
                    "applies_to": "all",
                    "evidence_types": [
                        "equality_policy",
                        "send_accessibility_policy",
                        "whistleblowing_policy",
                        "staff_code_of_conduct",
                        "admissions_policy",
                        "rse_policy",
                    ],
                    "required": False,
                },
            ],
        },
        {
            "code": "health_safety",
            "title": "Health and safety",
            "items": [
                {
                    "code": "hs_site_check",
                    "text": (
                        "A competent person has checked the premises in person and found them suitable and "
                        "age appropriate."
                    ),
                    "guidance": (
                        "Recommended for every environment. Look at general conditions, housekeeping, "
                        "toilets (including separate and, where needed, gender-neutral), washing and "
                        "changing facilities, and that access is limited to learners, staff and supervised "
                        "visitors. Record the check."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["premises_details"],
                    "required": True,
                },
                {
                    "code": "hs_risk_assessment",
                    "text": (
                        "Risk assessments cover the premises, the activities pupils will do, equipment and "
                        "remote supervision, and take account of young people."
                    ),
                    "guidance": (
                        "Discuss with the provider what pupils will do and any precautions. Pupils with "
                        "health conditions, SEND or behavioural needs may be at greater risk and need "
                        "individual consideration."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["general_risk_assessment"],
                    "required": True,
                },
                {
                    "code": "hs_significant_risks",
                    "text": (
                        "The provider has told the school and parents of any significant risks and how "
                        "they are controlled."
                    ),
                    "guidance": "A statement of significant risks and control measures is the usual record.",
                    "applies_to": "all",
                    "evidence_types": ["significant_risks_statement"],
                    "required": True,
                },
                {
                    "code": "hs_lower_risk_confirmation",
                    "text": (
                        "The provider confirms pupils will not work with machinery, workshops, construction, "
                        "motor vehicles or animals."
                    ),
                    "guidance": (
                        "In a lower-risk setting the proportionate checks in this section are enough. If any "
                        "of these activities are involved, classify the provider as higher risk instead."
                    ),
                    "applies_to": "lower_risk",
                    "evidence_types": [],
                    "required": True,
                },
                {
                    "code": "hs_fire_safety",
                    "text": (
                        "Fire safety is seen on site: plans displayed, alarms and extinguishers in place, "
                        "escape routes clear, and drills held at least once a year."
                    ),
                    "guidance": (
                        "Check when alarms and extinguishers are tested, that drills are logged and that "
                        "relevant staff are trained to use extinguishers. Pupils who need a personal "
                        "emergency evacuation plan should have one."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["fire_risk_assessment", "fire_drill_log"],
                    "required": True,
                },
                {
                    "code": "hs_first_aid_accidents",
                    "text": (
                        "First aid equipment is stocked and checked, and accidents, incidents and first "
                        "aid given are recorded."
                    ),
                    "guidance": (
                        "Ask how first aid boxes are checked and whether there is a medical room. Serious "
                        "accidents or incidents must be reported to the school, which follows its own "
                        "reporting procedure."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["accident_incident_log"],
                    "required": True,
                },
                {
                    "code": "hs_building_compliance",
                    "text": (
                        "Building safety records are current: electrical installation report, portable "
                        "appliance testing, and an asbestos register where the building needs one."
                    ),
                    "guidance": (
                        "An asbestos register is expected for non-domestic buildings put up before 2000. "
                        "Note the dates of the last and next PAT tests."
                    ),
                    "applies_to": "all",
                    "evidence_types": [
                        "electrical_safety_certificate",
                        "pat_testing_record",
                        "asbestos_register",
                    ],
                    "required": True,
                },
                {
                    "code": "hs_pupil_induction",
                    "text": (
                        "Pupils receive an induction covering health and safety, their rights and "
                        "responsibilities, and whom to tell about a safety concern."
                    ),
                    "guidance": "",
                    "applies_to": "all",
                    "evidence_types": ["pupil_induction_programme"],
                    "required": True,
                },
                {
                    "code": "hs_transport",
                    "text": "Transport to, from and during the provision is arranged and risk assessed.",
                    "guidance": (
                        "Where the provider carries pupils, check motor insurance, driver checks and the "
                        "vehicles used. Otherwise record how pupils travel."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["transport_risk_assessment", "motor_insurance", "driver_checks"],
                    "required": False,
                },
                {
                    "code": "hs_ongoing_monitoring",
                    "text": (
                        "A health and safety contact is agreed on each side, and checks continue during "
                        "the placement."
                    ),
                    "guidance": (
                        "Monitoring can be part of the termly QA visit, carried out by a competent person "
                        "and kept in proportion to the risks. Record each check."
                    ),
                    "applies_to": "all",
                    "evidence_types": [],
                    "required": True,
                },
                {
                    "code": "hr_young_persons_risk",
                    "text": (
                        "A young persons' risk assessment covers inexperience, immaturity and "
                        "unfamiliarity with risks, and the tasks young people are barred from."
                    ),
                    "guidance": (
                        "Under the Management of Health and Safety at Work Regulations 1999 the provider "
                        "must consider young people's particular risks. Check it understands any industry "
                        "prohibitions and limits."
                    ),
                    "applies_to": "higher_risk",
                    "evidence_types": ["young_persons_risk_assessment"],
                    "required": True,
                },
                {
                    "code": "hr_machinery_guarding",
                    "text": (
                        "Machinery is guarded, can be stopped and isolated, and is inspected and maintained "
                        "on schedule."
                    ),
                    "guidance": (
                        "Look at the guards and emergency stops in person. Lifting equipment and vehicle "
                        "lifts need statutory inspections."
                    ),
                    "applies_to": "higher_risk",
                    "evidence_types": ["machinery_inspection_records"],
                    "required": True,
                },
                {
                    "code": "hr_specialist_equipment",
                    "text": (
                        "Each item of specialist equipment pupils use has its own risk assessment, and staff "
                        "are trained to use it and to supervise others."
                    ),
                    "guidance": "Checks should meet the relevant industry standard.",
                    "applies_to": "higher_risk",
                    "evidence_types": ["equipment_risk_assessment", "specialist_equipment_competence"],
                    "required": True,
                },
                {
                    "code": "hr_ppe",
                    "text": (
                        "The provider supplies suitable personal protective equipment for practical work "
                        "and trains pupils to use it."
                    ),
                    "guidance": (
                        "Check that it fits, is in good condition and is worn. Pupils should not pay for it."
                    ),
                    "applies_to": "higher_risk",
                    "evidence_types": ["ppe_records"],
                    "required": True,
                },
                {
                    "code": "hr_coshh",
                    "text": (
                        "Hazardous substances are assessed under COSHH, stored securely and used only "
                        "under control."
                    ),
                    "guidance": "",
                    "applies_to": "higher_risk",
                    "evidence_types": ["coshh_assessment"],
                    "required": True,
                },
                {
                    "code": "hr_supervision",
                    "text": (
                        "Supervision ratios for workshop and practical work are set and kept, and pupils are "
                        "trained on each task and the site before they start."
                    ),
                    "guidance": (
                        "Record the ratio the provider commits to. Pupils must never be left alone with "
                        "machinery or tools they have not been signed off to use."
                    ),
                    "applies_to": "higher_risk",
                    "evidence_types": ["general_risk_assessment", "pupil_induction_programme"],
                    "required": True,
                },
                {
                    "code": "hr_vehicle_checks",
                    "text": (
                        "Vehicles pupils work on or travel in are roadworthy, and work on vehicles is "
                        "controlled."
                    ),
                    "guidance": (
                        "Where the work involves motor vehicles. Check MOT, servicing, pre-use checks, and "
                        "how vehicles are made safe (jacks, stands, lifts, fuel and batteries)."
                    ),
                    "applies_to": "higher_risk",
                    "evidence_types": ["vehicle_check_records"],
                    "required": False,
                },
                {
                    "code": "hr_animal_handling",
                    "text": (
                        "Work with animals and on farms is risk assessed, covering handling, hygiene and "
                        "infection, allergies, and farm vehicles and machinery."
                    ),
                    "guidance": (
                        "Where the work involves animals or agriculture. Handwashing facilities must be "
                        "close to animal areas."
                    ),
                    "applies_to": "higher_risk",
                    "evidence_types": ["animal_handling_risk_assessment"],
                    "required": False,
                },
                {
                    "code": "hr_construction_induction",
                    "text": (
                        "On construction sites pupils get a site induction and are kept apart from live "
                        "hazards such as working at height and moving plant."
                    ),
                    "guidance": "Where the work involves construction or building sites.",
                    "applies_to": "higher_risk",
                    "evidence_types": ["construction_site_induction"],
                    "required": False,
                },
            ],
        },
        {
            "code": "quality",
            "title": "Quality of provision",
            "items": [
                {
                    "code": "qp_curriculum",
                    "text": (
                        "The curriculum offer, schemes of work and assessment arrangements are agreed and "
                        "meet the pupils' educational and SEMH needs."
                    ),
                    "guidance": (
                        "English, maths and science (including IT) should be taught at a standard on a par "
                        "with mainstream unless taught elsewhere in the package. Include PE, religious "
                        "education and PSHE (including RSE and careers) where the provider is responsible."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["curriculum_offer", "rse_policy"],
                    "required": True,
                },
                {
                    "code": "qp_qualifications",
                    "text": "Suitable, nationally recognised qualifications or accreditation are offered.",
                    "guidance": (
                        "Qualifications should lead on to post-16 education, training or employment. "
                        "Without accreditation, limit the time spent and keep progress under watch. Check "
                        "the UKPRN where relevant."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["awarding_body_approval", "ukrlp_registration"],
                    "required": True,
                },
                {
                    "code": "qp_staffing",
                    "text": (
                        "Staff have the qualifications, teaching and vocational experience, and training "
                        "to deliver the programmes."
                    ),
                    "guidance": "Ask how staff professional development is kept up.",
                    "applies_to": "all",
                    "evidence_types": ["staff_qualifications_record"],
                    "required": True,
                },
                {
                    "code": "qp_assessment",
                    "text": (
                        "Pupils' needs are assessed within one week of starting, and planning and assessment "
                        "show what each pupil will learn."
                    ),
                    "guidance": (
                        "On visits, a learning walk should show regular assessment and review of progress."
                    ),
                    "applies_to": "all",
                    "evidence_types": [],
                    "required": True,
                },
                {
                    "code": "qp_send_support",
                    "text": (
                        "SEND, health and SEMH needs are met, with individual plans and learning support "
                        "where needed."
                    ),
                    "guidance": (
                        "Make reasonable adjustments so disabled pupils are not disadvantaged. Where a pupil "
                        "has an EHCP, the provider must help deliver it and contribute to its review."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["send_accessibility_policy"],
                    "required": True,
                },
                {
                    "code": "qp_progress_reporting",
                    "text": (
                        "Progress against agreed targets is tracked and reported to the school at least "
                        "half-termly, and the provider attends or reports to reviews and multi-agency "
                        "meetings."
                    ),
                    "guidance": (
                        "Meetings include PEP, EHCP review, SEND and social care meetings. The provider also "
                        "works with services such as CAMHS, educational psychology, youth justice and drug "
                        "support."
                    ),
                    "applies_to": "all",
                    "evidence_types": [],
                    "required": True,
                },
                {
                    "code": "qp_attendance_registering",
                    "text": (
                        "Attendance is registered twice a day (morning and afternoon) and any absence is "
                        "reported to the school immediately."
                    ),
                    "guidance": (
                        "The default expectation is a mark within 30 minutes of the session start. "
                        "Attendance records must be kept on site for the school to inspect, and the provider "
                        "and school must agree how they check on the welfare of an absent pupil."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["attendance_policy"],
                    "required": True,
                },
                {
                    "code": "qp_behaviour_management",
                    "text": (
                        "Behaviour is well managed and recorded, and the school is told immediately of any "
                        "concern about a pupil's behaviour or progress."
                    ),
                    "guidance": (
                        "Three incidents call an emergency review. A pupil may not be sent off site without "
                        "the school's permission. The provider should promote attendance, punctuality and "
                        "good behaviour."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["behaviour_policy"],
                    "required": True,
                },
                {
                    "code": "qp_exclusion_arrangements",
                    "text": (
                        "The provider accepts that only the headteacher of the pupil's school can exclude, "
                        "and what happens if it refuses to take a pupil."
                    ),
                    "guidance": (
                        "If the provider will not admit a pupil, the school either sanctions an exclusion or "
                        "arranges other education for that time."
                    ),
                    "applies_to": "all",
                    "evidence_types": [],
                    "required": True,
                },
                {
                    "code": "qp_progression",
                    "text": (
                        "The provision plans for reintegration or progression, including careers guidance "
                        "and post-16 routes."
                    ),
                    "guidance": "For Year 11 pupils, the aim is to avoid NEET and to record the destination.",
                    "applies_to": "all",
                    "evidence_types": [],
                    "required": False,
                },
                {
                    "code": "qp_provider_quality_assurance",
                    "text": (
                        "The provider monitors the quality of its own teaching and reviews whether it "
                        "delivers the commissioned service."
                    ),
                    "guidance": "An annual report or self-evaluation is good evidence.",
                    "applies_to": "all",
                    "evidence_types": ["provider_annual_report"],
                    "required": False,
                },
            ],
        },
        {
            "code": "supporting_documentation",
            "title": "Supporting documentation",
            "items": [
                {
                    "code": "doc_sla_acceptance",
                    "text": "The provider has accepted the trust's service level agreement terms.",
                    "guidance": (
                        "The terms cover attendance reporting, half-termly reports, behaviour notification, "
                        "safeguarding concerns going to the school's DSL, costs (including any registration "
                        "or transport costs) and invoicing."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["sla_acceptance"],
                    "required": True,
                },
                {
                    "code": "doc_policy_alignment",
                    "text": (
                        "The provider agrees to follow trust and school policies unless a variation is "
                        "agreed in writing."
                    ),
                    "guidance": (
                        "Give the provider the school's child protection expectations, its procedure for "
                        "raising concerns, and its online safety expectations in writing. Help it reach "
                        "suitable safeguarding training."
                    ),
                    "applies_to": "all",
                    "evidence_types": [],
                    "required": True,
                },
                {
                    "code": "doc_data_sharing",
                    "text": (
                        "A data sharing agreement covers what is shared, how it is sent securely and how "
                        "long it is kept."
                    ),
                    "guidance": (
                        "Where a pupil attends several providers, each must know about the others, and "
                        "safeguarding chronologies are shared at the start."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["data_sharing_agreement"],
                    "required": True,
                },
                {
                    "code": "doc_contacts_communication",
                    "text": (
                        "Named contacts, the DSL and an emergency number are recorded, with an agreed way "
                        "to communicate and how often."
                    ),
                    "guidance": (
                        "Name one contact for all matters about the pupil, and a health and safety contact."
                    ),
                    "applies_to": "all",
                    "evidence_types": ["emergency_contacts"],
                    "required": True,
                },
                {
                    "code": "doc_lone_working",
                    "text": (
                        "Lone working and one-to-one sessions are covered by a policy and risk assessment."
                    ),
                    "guidance": "Where staff work alone with pupils, off site or in vehicles.",
                    "applies_to": "all",
                    "evidence_types": ["lone_working_policy"],
                    "required": False,
                },
                {
                    "code": "doc_premises",
                    "text": (
                        "Every address where pupils will be taught is listed, with proof of ownership or "
                        "permission to use it."
                    ),
                    "guidance": "Every site listed must be covered by the fire and general risk assessments.",
                    "applies_to": "all",
                    "evidence_types": ["premises_details"],
                    "required": True,
                },
                {
                    "code": "doc_educational_visits",
                    "text": (
                        "Trips and off-site activities follow the trust's educational visits guidance and "
                        "need the school's consent."
                    ),
                    "guidance": "",
                    "applies_to": "all",
                    "evidence_types": ["educational_visits_policy"],
                    "required": True,
                },
                {
                    "code": "doc_subcontracting",
                    "text": (
                        "No part of the service is subcontracted without the school's agreement, and "
                        "subcontractors carry the same insurance and checks."
                    ),
                    "guidance": "Where the provider uses subcontractors.",
                    "applies_to": "all",
                    "evidence_types": ["subcontractor_insurance"],
                    "required": False,
                },
            ],
        },
    ],
}

ENVIRONMENT_RISK_CATEGORIES = (
    ("workshop", "Workshop (hand and power tools)"),
    ("machinery", "Machinery, plant or manufacturing"),
    ("construction", "Construction or building site"),
    ("motor_vehicles", "Motor vehicles (repair, maintenance or driving)"),
    ("animals_farm", "Animals, farm or agriculture"),
    ("other_higher", "Other higher-risk environment"),
)
