"""The first version of every trust's QA framework, drawn from the national standards proposed for
unregistered alternative provision (five themes, 1a to 5d) and from a trust's pre-visit and on-site
checklists. A trust adapts it as a new version; visits keep the version they used.

Each entry: (section, code, text, evidence types). Evidence types name the provider's evidence documents
(``providers.vetting_data.EVIDENCE_TYPES``) that a pre-visit check reads, live, at the visit date.
"""

FRAMEWORK_NAME = "Quality assurance framework for alternative provision"

PRE_VISIT = (
    ("Before the visit", "P1", "Staff have enhanced DBS checks.", ["scr_dbs_assurance"]),
    (
        "Before the visit",
        "P2",
        "Every required recruitment check is complete for all staff (single central record).",
        ["scr_dbs_assurance", "safer_recruitment_policy"],
    ),
    ("Before the visit", "P3", "Staff hold a first aid at work qualification.", ["first_aid_certificate"]),
    (
        "Before the visit",
        "P4",
        "All staff have had safeguarding training (renewed at least every three years).",
        ["safeguarding_training_records"],
    ),
    (
        "Before the visit",
        "P5",
        "There is a trained designated safeguarding lead.",
        ["dsl_training_certificate"],
    ),
    ("Before the visit", "P6", "The safeguarding policy is up to date.", ["safeguarding_policy"]),
    ("Before the visit", "P7", "The safeguarding policy is published on the provider's website.", []),
    ("Before the visit", "P8", "There is a behaviour policy.", ["behaviour_policy"]),
    (
        "Before the visit",
        "P9",
        "There is a valid electrical safety certificate.",
        ["electrical_safety_certificate"],
    ),
    ("Before the visit", "P10", "There is an asbestos register.", ["asbestos_register"]),
    ("Before the visit", "P11", "Public liability insurance is in place.", ["public_liability_insurance"]),
    (
        "Before the visit",
        "P12",
        "Employer's liability insurance is in place.",
        ["employers_liability_insurance"],
    ),
    (
        "Before the visit",
        "P13",
        "Risk assessments cover the venue, remote supervision and equipment.",
        ["general_risk_assessment"],
    ),
    (
        "Before the visit",
        "P14",
        "The provider has given a safer recruitment statement.",
        ["safer_recruitment_policy"],
    ),
    ("Before the visit", "P15", "The provider is registered with the ICO.", ["ico_registration"]),
    ("Before the visit", "P16", "There is a data protection (GDPR) policy.", ["data_protection_policy"]),
    ("Before the visit", "P17", "There is an IT security policy.", ["it_security_policy"]),
)

ON_SITE = (
    (
        "Safeguarding",
        "S1",
        "Any gaps from the pre-visit checks have been addressed (new staff's DBS and training).",
        [],
    ),
    ("Safeguarding", "S2", "Is the setting alternative provision or a registered independent school?", []),
    ("Safeguarding", "S3", "If it is not a registered school, every pupil attends part time.", []),
    ("Safeguarding", "S4", "Which pupils have an EHCP, and does the provider know?", []),
    ("Safeguarding", "S5", "All staff have had safeguarding training this year.", []),
    ("Safeguarding", "S6", "The DSL or a deputy is on site at all times.", []),
    ("Health and safety", "S7", "First aid boxes seen, and there is a routine for checking them.", []),
    ("Health and safety", "S8", "There is a medical room on site.", []),
    ("Health and safety", "S9", "First aid incidents are recorded; any records for our pupils seen.", []),
    ("Fire", "S10", "Fire plans are displayed around the building.", []),
    ("Fire", "S11", "Extinguishers and smoke alarms in place, escapes clear; testing dates known.", []),
    ("Fire", "S12", "The relevant staff are trained to use fire extinguishers.", []),
    ("Premises", "S13", "Equipment is PAT tested; last and next test dates known.", []),
    ("Premises", "S14", "Changing rooms are available.", []),
    ("Premises", "S15", "Girls' and boys' toilets, and a gender-neutral toilet where needed.", []),
    ("Pupils", "S16", "Our pupils have the individual risk assessments they need.", []),
    ("Pupils", "S17", "Our pupils have personal evacuation plans where they need them.", []),
    ("Transport", "S18", "Transport to and from the provision is known and suitable.", []),
    ("Transport", "S19", "Transport is risk assessed.", []),
    ("Quality of education", "S20", "The curriculum offer seen matches what was commissioned.", []),
    ("Quality of education", "S21", "The provider is on the UK Register of Learning Providers.", []),
    (
        "Quality of education",
        "S22",
        "Progress and behaviour information is shared with the school as agreed, in writing.",
        [],
    ),
)

SAFEGUARDING = "1. Safeguarding and the wellbeing of children"
HEALTH_SAFETY = "2. Health and safety"
ADMISSIONS = "3. Admissions, guidance and support"
EDUCATION = "4. The quality of education"
OUTCOMES = "5. The outcomes of children"

STANDARDS = (
    (
        SAFEGUARDING,
        "1a",
        "All staff and proprietors have the right recruitment checks, including an enhanced DBS check, recorded "
        "on a single central register; nobody who fails them is employed.",
        ["scr_dbs_assurance"],
    ),
    (
        SAFEGUARDING,
        "1b",
        "Safeguarding policies and procedures are in place, current with the latest KCSIE and the local "
        "safeguarding partnership's procedures, and available to those who need them; all staff have had "
        "level 2 safeguarding training in the last year.",
        ["safeguarding_policy", "safeguarding_training_records"],
    ),
    (
        SAFEGUARDING,
        "1c",
        "Staff know the safeguarding policy and follow it; all staff can show they have read part 1 of KCSIE, "
        "managers and supervisors the whole of it.",
        ["kcsie_read_confirmation"],
    ),
    (SAFEGUARDING, "1d", "Concerns, and the actions taken, are recorded and escalated robustly.", []),
    (
        SAFEGUARDING,
        "1e",
        "Only registered learners, the provider's own staff and supervised visitors can get onto the site.",
        [],
    ),
    (
        SAFEGUARDING,
        "1f",
        "A trained safeguarding lead is at the setting; managers and supervisors have had level 3 or 4 "
        "training in the last two years; concerns pass between provider and school, are recorded with the "
        "actions taken, and are stored properly.",
        ["dsl_training_certificate"],
    ),
    (SAFEGUARDING, "1g", "The provider's website and social media have been checked.", []),
    (
        SAFEGUARDING,
        "1h",
        "Where pupils use computers or online systems there is an online safety policy with monitoring and "
        "filtering; there is a policy on mobile phones on site.",
        ["online_safety_policy"],
    ),
    (
        SAFEGUARDING,
        "1i",
        "Pupils with health needs, a disability or special educational needs have individual plans where "
        "appropriate.",
        [],
    ),
    (
        HEALTH_SAFETY,
        "2a",
        "A health and safety policy is in place, understood and followed by all staff.",
        ["health_safety_policy"],
    ),
    (
        HEALTH_SAFETY,
        "2b",
        "First aid equipment or facilities are at hand, with access to a qualified first aider.",
        ["first_aid_certificate"],
    ),
    (HEALTH_SAFETY, "2c", "Health and safety and first aid incidents are recorded.", []),
    (
        HEALTH_SAFETY,
        "2d",
        "Specialist equipment used at the setting has its own risk assessment and the checks industry "
        "standards require.",
        ["equipment_risk_assessment"],
    ),
    (
        HEALTH_SAFETY,
        "2e",
        "Staff are qualified or trained in the specialist equipment they use, or supervise others using.",
        ["specialist_equipment_competence"],
    ),
    (
        HEALTH_SAFETY,
        "2f",
        "The setting has all the insurance it needs, including public liability.",
        ["public_liability_insurance", "employers_liability_insurance"],
    ),
    (
        HEALTH_SAFETY,
        "2g",
        "Fire drills happen regularly (at least yearly) and are recorded.",
        ["fire_drill_log"],
    ),
    (ADMISSIONS, "3a", "Admission and referral procedures are clear and well supported.", []),
    (
        ADMISSIONS,
        "3b",
        "Records are kept: information from schools at admission, induction, learning plans, health needs, "
        "EHC plans, behaviour reports and risk assessments.",
        [],
    ),
    (
        ADMISSIONS,
        "3c",
        "Every pupil has an induction on their rights and responsibilities and on health and safety.",
        [],
    ),
    (
        ADMISSIONS,
        "3d",
        "Attendance is recorded every session, and the commissioner is told of any absence within 30 minutes "
        "of the start.",
        ["attendance_policy"],
    ),
    (ADMISSIONS, "3e", "There is an agreed way to check on the health and wellbeing of absent pupils.", []),
    (
        ADMISSIONS,
        "3f",
        "Behaviour and progress are recorded and shared routinely on an agreed form with schools and parents; "
        "a commissioning agreement says how attendance, punctuality, behaviour and rewards are handled, and "
        "what happens if the placement does not work.",
        [],
    ),
    (
        EDUCATION,
        "4a",
        "Staff who teach have the skills and qualifications the programmes need.",
        ["staff_qualifications_record"],
    ),
    (
        EDUCATION,
        "4b",
        "Session plans set out the knowledge, skills and understanding different groups will gain.",
        [],
    ),
    (
        EDUCATION,
        "4c",
        "Progress is assessed and reviewed regularly and thoroughly (seen on a learning walk).",
        [],
    ),
    (
        EDUCATION,
        "4d",
        "Pupils are taught why attendance, punctuality and good behaviour matter; there is a strategy when they "
        "fall short.",
        [],
    ),
    (
        EDUCATION,
        "4e",
        "Behaviour (including physical intervention), attendance and anti-bullying policies are in place, at "
        "hand and shared at induction; behaviour and attendance are managed and recorded well.",
        ["behaviour_policy", "attendance_policy"],
    ),
    (
        EDUCATION,
        "4f",
        "Where appropriate the curriculum helps pupils manage relationships, keep safe and develop personally "
        "(for example PSHE).",
        [],
    ),
    (
        OUTCOMES,
        "5a",
        "Pupils' progress is set and monitored towards reintegration where appropriate, with action when it is "
        "off track.",
        [],
    ),
    (OUTCOMES, "5b", "Underperformance is met with the right intervention and support.", []),
    (
        OUTCOMES,
        "5c",
        "The provider regularly checks that it delivers the commissioned service well, as its annual report "
        "shows.",
        [],
    ),
    (
        OUTCOMES,
        "5d",
        "School and provider work with pupils and parents to review each pupil's needs, abilities and "
        "aspirations, including employability and post-16 plans.",
        [],
    ),
)


def initial_items() -> list[dict]:
    """The first version's items, in order, as dicts ready to create."""
    items = []
    for part, rows in (("pre_visit", PRE_VISIT), ("on_site", ON_SITE), ("standard", STANDARDS)):
        for order, (section, code, text, evidence_types) in enumerate(rows, start=1):
            items.append(
                {
                    "part": part,
                    "section": section,
                    "code": code,
                    "text": text,
                    "evidence_types": list(evidence_types),
                    "order": order,
                }
            )
    return items
