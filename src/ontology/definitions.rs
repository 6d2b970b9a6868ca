//! One plain-English sentence for every code Linkwell publishes, written for this project.
//! Kept beside the vocabularies rather than in `coded_enum!` so adding a code stays a
//! one-line change in the domain, and the ontology's tests say which definition is missing.

/// (vocabulary id, [(code, definition)]).
const DEFINITIONS: &[(&str, &[(&str, &str)])] = &[
    ("need", &[
        ("loneliness", "The person feels lonely or isolated and wants more contact with other people or a sense of belonging."),
        ("mental_wellbeing", "The person wants support with low mood, stress or worry that falls short of needing specialist mental health care."),
        ("long_term_condition", "The person wants help to live well with and manage a long-term health condition day to day."),
        ("physical_activity", "The person wants to become more physically active, for example through walking, exercise or sport."),
        ("money", "The person wants help with income, debt, bills or claiming the benefits they are entitled to."),
        ("housing", "The person wants help with where they live: its cost, condition, security, or finding somewhere to live."),
        ("food", "The person cannot reliably get enough affordable, nutritious food, or wants help to eat well."),
        ("employment", "The person wants help to find or keep work, to train or learn, or to volunteer."),
        ("carer_support", "The person looks after someone else without pay and wants support in that caring role."),
        ("digital_inclusion", "The person wants help to get online: a device, a connection, or the skills and confidence to use them."),
        ("transport", "The person cannot easily or affordably travel to the places and services they need."),
        ("legal_advice", "The person needs legal advice, including on immigration status or their rights."),
        ("substance_use", "The person wants support with their use of alcohol, drugs or other substances."),
        ("bereavement", "The person is grieving the death of someone close and wants support."),
        ("domestic_abuse", "The person is experiencing abuse from a partner, former partner or family member; this is handled through the safeguarding route."),
    ]),
    ("barrier", &[
        ("stigma", "The person held back because of how they feared others would see them for taking part or asking for help."),
        ("not_accepted", "The person went but did not feel welcome or accepted by the group."),
        ("cost", "Taking part cost more than the person could afford, including fees, equipment or the cost of getting there."),
        ("service_full", "The service had no room and the person was turned away or put on a waiting list."),
        ("service_closed", "The service had closed, paused or lost its funding."),
        ("no_device", "The person had no suitable phone, tablet or computer to use a service offered online."),
        ("no_connection", "The person had no internet connection, or not one good enough, to use a service offered online."),
        ("no_digital_skills", "The person lacked the skills or confidence to use a service offered online."),
        ("transport", "The person could not get to the service because of distance, cost or lack of transport."),
        ("physical_access", "The place was not accessible to the person, for example because of steps or their mobility."),
        ("sensory", "A sight or hearing impairment made the service hard for the person to use."),
        ("learning_disability", "The service was not adapted to the person's learning disability."),
        ("unaware", "The person, or whoever could have referred them, did not know social prescribing or the service existed."),
        ("language", "The person needed an interpreter or material in their own language and none was available."),
        ("caring_or_work", "Caring responsibilities or work hours left the person unable to take part when the service ran."),
        ("confidence", "Anxiety or a lack of confidence stopped the person from taking the step."),
        ("emergency", "An emergency outside anyone's control, such as a pandemic closure or severe weather, stopped the step."),
    ]),
    ("contact-mode", &[
        ("in_person", "The link worker and the person met face to face somewhere other than the person's home."),
        ("phone", "The contact was a telephone call."),
        ("video", "The contact was a video call."),
        ("home_visit", "The link worker met the person face to face at the person's home."),
        ("text", "The contact was by text message."),
    ]),
    ("close-reason", &[
        ("goals_met", "The person achieved the goals they agreed with their link worker."),
        ("goals_partly_met", "The person achieved some but not all of the goals they agreed."),
        ("disengaged", "The person stopped taking part before their goals were met."),
        ("moved_away", "The person moved out of the area the service covers."),
        ("transferred", "The person's support passed to another service better placed to help."),
        ("died", "The person died during the episode of support."),
        ("entered_in_error", "The referral should not have been made, such as the same person referred twice; it is not an ending of support, never a decline, and is left out of every figure."),
    ]),
    ("referrer-kind", &[
        ("gp", "A general practitioner referred the person."),
        ("practice_staff", "Someone else working in the person's GP practice, such as a nurse or receptionist, referred them."),
        ("other_primary_care", "Another primary care service, such as a community pharmacy, dentist or optician, referred the person."),
        ("hospital", "A hospital team, including an emergency department (A&E), referred the person."),
        ("mental_health", "A mental health service, such as NHS Talking Therapies or a community mental health team, referred the person."),
        ("adult_social_care", "The council's adult social care service referred the person."),
        ("housing", "A housing provider or the council's housing service referred the person."),
        ("jobcentre_dwp", "A Jobcentre Plus work coach or another Department for Work and Pensions service referred the person."),
        ("police_fire", "The police or the fire and rescue service referred the person."),
        ("vcse", "A voluntary, community or social enterprise organisation referred the person."),
        ("education", "A school, college or university referred the person."),
        ("family_carer", "A member of the person's family or their carer referred them, with their agreement."),
        ("self", "The person referred themselves, for example on the public self-referral page."),
        ("other", "Someone not in any other kind referred the person (this includes referrals recorded as 'other professional' before these kinds existed)."),
    ]),
    ("shared-field", &[
        ("name", "The person's given and family name."),
        ("contact_details", "The person's phone number, so the organisation can get in touch."),
        ("date_of_birth", "The person's date of birth."),
        ("needs", "What the person wants help with, as recorded by their link worker."),
        ("what_matters", "What the person said matters to them in their conversation with the link worker."),
    ]),
    ("consent-method", &[
        ("verbal", "The person agreed out loud and the link worker recorded it."),
        ("written", "The person agreed by signing a written form."),
        ("digital", "The person agreed themselves through an online form or a message."),
    ]),
    ("consent-status", &[
        ("proposed", "The consent arrived with a referral on the referrer's word and the link worker must confirm it with the person before anything is shared."),
        ("active", "The link worker has confirmed the consent with the person, so the agreed fields may be shared."),
    ]),
    ("connection-status", &[
        ("requested", "The link worker has asked the community service to take the person on and is waiting for an answer."),
        ("accepted", "The community service has agreed to take the person on."),
        ("rejected", "The community service has said it cannot take the person on."),
        ("in-progress", "The person is taking part in the community service."),
        ("attended_first_session", "The person went to their first session of the community service."),
        ("completed", "The person finished what the community service offered them."),
        ("cancelled", "The connection was called off before it was finished."),
        ("failed", "The connection was agreed but did not take place."),
    ]),
    ("referral-state", &[
        ("received", "The referral has arrived and no one has yet tried to contact the person."),
        ("contacting", "The team is trying to reach the person for a first conversation."),
        ("active", "The person is working with a link worker."),
        ("closed", "The episode of support has ended, with a close reason."),
        ("declined", "The person chose not to take up social prescribing."),
        ("unable_to_contact", "The team could not reach the person after the set number of attempts."),
    ]),
    ("referral-event-kind", &[
        ("created", "The referral was received and recorded."),
        ("transition", "The referral moved from one state to another."),
        ("assigned", "The referral was given to a link worker to hold."),
    ]),
    ("outcome-measure", &[
        ("ons4", "The Office for National Statistics four personal well-being questions on life satisfaction, worthwhile, happiness and anxiety, each answered from 0 to 10."),
        ("swemwbs", "The Short Warwick-Edinburgh Mental Well-being Scale: seven statements about the last two weeks, each answered from 1 to 5 and totalled to a converted metric score."),
        ("ucla3", "The three-item UCLA loneliness scale: how often the person lacks companionship, feels left out and feels isolated, each answered from 1 to 3 and totalled."),
    ]),
    ("measure-timing", &[
        ("baseline", "Taken at the start of support, before the change it is compared with."),
        ("follow_up", "Taken later in the episode, to compare with the baseline."),
    ]),
    ("sex", &[
        ("female", "The GP record gives the person's sex as female."),
        ("male", "The GP record gives the person's sex as male."),
        ("other", "The GP record gives the person's sex as neither female nor male."),
        ("unknown", "The person's sex is not known."),
    ]),
    ("ons-2021-ethnic-group", &[
        ("asian", "The person describes their ethnic group as Asian, Asian British or Asian Welsh."),
        ("black", "The person describes their ethnic group as Black, Black British, Black Welsh, Caribbean or African."),
        ("mixed", "The person describes their ethnic group as mixed or multiple ethnic groups."),
        ("white", "The person describes their ethnic group as White."),
        ("other", "The person describes their ethnic group as one not listed in the other high-level groups."),
        ("not_stated", "The person's ethnic group has not been given."),
    ]),
    ("plus-group", &[
        ("ethnic_minority", "The person belongs to an ethnic minority community."),
        ("inclusion_health", "The person belongs to a socially excluded group, such as people who are homeless, migrants or Gypsy, Roma and Traveller communities."),
        ("learning_disability_autism", "The person has a learning disability or is autistic."),
        ("carer", "The person is an unpaid carer."),
        ("multimorbidity", "The person lives with two or more long-term health conditions."),
        ("coastal", "The person lives in a coastal community."),
    ]),
    ("long-term-condition", &[
        ("severe_mental_illness", "The person has a severe mental illness such as schizophrenia or bipolar disorder."),
        ("chronic_respiratory", "The person has a long-term lung condition such as COPD or asthma."),
        ("hypertension", "The person has high blood pressure."),
        ("cancer", "The person has or has had cancer."),
        ("maternity", "The person is pregnant or has recently given birth."),
        ("diabetes", "The person has diabetes."),
        ("depression", "The person has depression or an anxiety disorder."),
        ("dementia", "The person has dementia."),
    ]),
    ("role", &[
        ("link_worker", "A social prescribing link worker who holds referrals and works with people on their caseload."),
        ("team_lead", "A link worker who also leads a team, assigns its referrals and sees its reports."),
        ("referrer", "Someone who refers people to social prescribing and sees the status of their own referrals."),
        ("vcse", "A member of a voluntary, community or social enterprise organisation who answers the connections sent to it."),
        ("volunteer", "A volunteer who visits or accompanies the people they are arranged to see."),
        ("analyst", "Someone who reads the aggregate, disclosure-controlled equity report and nothing about individuals."),
        ("admin", "Someone who runs the installation: users, the directory and the operators' metrics."),
    ]),
    ("service-use", &[
        ("gp_consultations_before", "The number of consultations with the person's general practice (any clinician, in person, by phone or video) in the 6 calendar months before the day the referral was received."),
        ("gp_consultations_after", "The number of consultations with the person's general practice (any clinician, in person, by phone or video) in the 6 calendar months from the day the referral was received."),
        ("ae_attendances_before", "The number of attendances at an accident and emergency department in the 6 calendar months before the day the referral was received."),
        ("ae_attendances_after", "The number of attendances at an accident and emergency department in the 6 calendar months from the day the referral was received."),
    ]),
    ("audit-action", &[
        ("read", "A single record was read."),
        ("list", "A list of records was read."),
        ("create", "A record was made."),
        ("update", "A record was changed."),
        ("erase", "A record was erased under the records management policy."),
        ("match_refused", "Identity details sent with an NHS number were refused because they did not match the record."),
        ("extract", "A pseudonymised, k-anonymous extract was written for an approved evaluation."),
        ("extract_refused", "An extract for an evaluation was refused and nothing was written: the evaluation was not approved or its approval had ended, or the rows were not k-anonymous."),
    ]),
];

fn table(vocabulary: &str) -> &'static [(&'static str, &'static str)] {
    DEFINITIONS
        .iter()
        .find(|(id, _)| *id == vocabulary)
        .map(|(_, rows)| *rows)
        .unwrap_or(&[])
}

/// The definition of one code, if one has been written.
pub(super) fn of(vocabulary: &str, code: &str) -> Option<&'static str> {
    table(vocabulary)
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, d)| *d)
}

/// Every code a definition was written for (to catch definitions of codes that are gone).
#[cfg(test)]
pub(super) fn codes(vocabulary: &str) -> impl Iterator<Item = &'static str> {
    table(vocabulary).iter().map(|(c, _)| *c)
}
