//! How an organisation's appraisal is scored: a pure function over what was measured, voted and
//! scored, so the rule can be read (and checked by hand) in one place.
//!
//! The seven items, each scored 0–100:
//!
//! | item | how |
//! |---|---|
//! | 常委会组成人员评价 `committee` | a poll: satisfied = 100, basically satisfied = 60, unsatisfied = 0, averaged over the votes |
//! | 政府工作报告落实 `gov_report` | the mean of the appraisers' 0–100 scores |
//! | 人大决定决议落实 `decisions` | the mean of the appraisers' 0–100 scores |
//! | 民生实事办理 `livelihood` | from the cases it led: on-time sign-for rate (25), on-time reply rate (25), satisfaction (30: satisfied 1, basically 0.6, unsatisfied 0, over the rated) and the share not reworked (20); a part with nothing to measure (no sign-for yet, nothing rated) is left out and its share re-spread over the others |
//! | 议案建议办理 `proposals` | from the deputies' suggestions and motions it led that were assigned in the year ([`crate::suggestions::measures`]): on-time first reply (30), the replied items consulted in person (当面面商) by the first reply (20), the share of replies classed A or B (20), and the deputies' satisfaction (30: 满意 1, 基本满意 0.6, 不满意 0, over the evaluated); a part with nothing to measure (nothing replied or evaluated yet) is left out and its share re-spread over the others. Computed, not typed in: appraisers' scores are no longer taken for it |
//! | 进基层单元情况 `grassroots` | station visits it made in the year against the target ops set: 100 × visits / target, at most 100 |
//! | 依法行政 `lawful` | the mean of the appraisers' 0–100 scores |
//!
//! Not enough data: the case item needs at least `min_sample` assigned cases, the suggestions
//! item at least `min_sample` items assigned as lead, and the poll at least `min_sample` votes; an appraisers' item needs one score. The visits item is always
//! measured: no visit is a fact, not a gap. An item without enough data is shown as such and
//! LEFT OUT, its weight re-spread over the measured items in proportion to their weights. Scoring
//! it 0 would rank an organisation that had few cases (a small office) below one that handled
//! many badly, and would punish it for the district's missing data rather than for its work;
//! the ranking shows which items were left out, so nobody reads a re-spread score as a full one.
//! Re-spreading has a floor: an organisation is scored only when its measured items carry at
//! least half of the weight ([`MIN_MEASURED_WEIGHT`]); below that (one appraiser's score and no
//! visit, say) it has no total and no grade, shows as not enough data, and ranks last.
//!
//! The total is Σ scoreᵢ·wᵢ / Σ wᵢ over the measured items, rounded to one decimal; the grade
//! reads the rounded total: 优秀 ≥ 90, 良好 ≥ 80, 一般 ≥ 60, 较差 below.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dashboard::measures::OrgMeasures;
use crate::error::FieldKind;
use crate::suggestions::measures::SuggestionMeasures;

/// One of the seven items of the department appraisal, each scored 0–100 (see the module table).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
// Named apart in the API document from the plugin view's list item, which is also `Item`.
#[schema(as = AppraisalItem)]
pub enum Item {
    /// 常委会组成人员评价
    Committee,
    /// 政府工作报告落实
    GovReport,
    /// 人大决定决议落实
    Decisions,
    /// 民生实事办理
    Livelihood,
    /// 议案建议办理
    Proposals,
    /// 进基层单元情况
    Grassroots,
    /// 依法行政
    Lawful,
}

/// Where an item's score comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 常委会组成人员评价: the appraisers' poll, satisfied 100, basically 60, unsatisfied 0.
    Poll,
    /// The mean of the appraisers' 0–100 scores.
    Appraisers,
    /// Computed from the cases the organisation led (民生实事办理).
    Cases,
    /// Station visits made against the year's target (进基层单元情况).
    Visits,
    /// Computed from the deputies' suggestions and motions the organisation led (议案建议办理).
    Suggestions,
}

impl Item {
    /// The seven items in their fixed order, the order of weights and score arrays.
    pub const ALL: [Item; 7] = [
        Item::Committee,
        Item::GovReport,
        Item::Decisions,
        Item::Livelihood,
        Item::Proposals,
        Item::Grassroots,
        Item::Lawful,
    ];

    /// The stable snake_case name, as stored in `appraisal_scores.item` and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Item::Committee => "committee",
            Item::GovReport => "gov_report",
            Item::Decisions => "decisions",
            Item::Livelihood => "livelihood",
            Item::Proposals => "proposals",
            Item::Grassroots => "grassroots",
            Item::Lawful => "lawful",
        }
    }

    /// The item of a stable name; none for an unknown one.
    pub fn parse(s: &str) -> Option<Item> {
        Item::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// The item's position in [`Item::ALL`], to index weights and score arrays.
    pub fn index(self) -> usize {
        Item::ALL.iter().position(|i| *i == self).unwrap_or(0)
    }

    /// Where the item's score comes from.
    pub fn method(self) -> Method {
        match self {
            Item::Committee => Method::Poll,
            Item::Livelihood => Method::Cases,
            Item::Grassroots => Method::Visits,
            Item::Proposals => Method::Suggestions,
            Item::GovReport | Item::Decisions | Item::Lawful => Method::Appraisers,
        }
    }
}

/// A poll vote (three levels, as residents rate answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    /// 满意: scores 100.
    Satisfied,
    /// 基本满意: scores 60.
    BasicallySatisfied,
    /// 不满意: scores 0.
    Unsatisfied,
}

impl Vote {
    /// The stable snake_case name, as stored in `appraisal_votes.vote`.
    pub fn as_str(self) -> &'static str {
        match self {
            Vote::Satisfied => "satisfied",
            Vote::BasicallySatisfied => "basically_satisfied",
            Vote::Unsatisfied => "unsatisfied",
        }
    }

    /// The vote of a stable name; none for an unknown one.
    pub fn parse(s: &str) -> Option<Vote> {
        [Vote::Satisfied, Vote::BasicallySatisfied, Vote::Unsatisfied]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The poll's votes for one organisation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    /// Votes 满意.
    pub satisfied: i64,
    /// Votes 基本满意.
    pub basically_satisfied: i64,
    /// Votes 不满意.
    pub unsatisfied: i64,
}

impl Tally {
    /// Counts one more vote.
    pub fn add(&mut self, v: Vote) {
        match v {
            Vote::Satisfied => self.satisfied += 1,
            Vote::BasicallySatisfied => self.basically_satisfied += 1,
            Vote::Unsatisfied => self.unsatisfied += 1,
        }
    }

    /// All votes cast; the poll is scored only from `min_sample` votes on.
    pub fn total(&self) -> i64 {
        self.satisfied + self.basically_satisfied + self.unsatisfied
    }

    /// The reading of practice: satisfied votes over half → satisfied; satisfied and basically
    /// satisfied over half → basically satisfied; otherwise unsatisfied. None without votes.
    pub fn verdict(&self) -> Option<Vote> {
        let n = self.total();
        if n == 0 {
            None
        } else if self.satisfied * 2 > n {
            Some(Vote::Satisfied)
        } else if (self.satisfied + self.basically_satisfied) * 2 > n {
            Some(Vote::BasicallySatisfied)
        } else {
            Some(Vote::Unsatisfied)
        }
    }
}

/// What ops set for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Per item, in [`Item::ALL`] order; they sum to 100.
    pub weights: [i32; 7],
    /// Fewest assigned cases (for the case item) or votes (for the poll) for the item to be scored.
    pub min_sample: i64,
    /// Station visits in the year that score 100 on 进基层单元情况; fewer score in proportion.
    pub visit_target: i64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            weights: DEFAULT_WEIGHTS,
            min_sample: 5,
            visit_target: 4,
        }
    }
}

/// The least weight (of 100) the measured items must carry for a total to be given.
pub const MIN_MEASURED_WEIGHT: i64 = 50;

/// 20 / 15 / 10 / 20 / 15 / 10 / 10.
pub const DEFAULT_WEIGHTS: [i32; 7] = [20, 15, 10, 20, 15, 10, 10];

/// Everything known about one organisation in one year.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The organisation's case measures for the year (as lead handler).
    pub measures: OrgMeasures,
    /// Its suggestions and motions of the year (as lead organisation).
    pub suggestions: SuggestionMeasures,
    /// Station visits it made.
    pub visits: i64,
    /// The appraisers' scores, per item in [`Item::ALL`] order (only appraisers' items are read).
    pub scores: [Vec<i32>; 7],
    /// The poll's votes on it.
    pub poll: Tally,
}

/// One item of one organisation's appraisal, as the ranking shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ItemScore {
    /// Which item.
    pub item: Item,
    /// Where its score came from.
    pub method: Method,
    /// The weight ops set.
    pub weight: i32,
    /// 0–100, one decimal; None: not enough data.
    pub score: Option<f64>,
    /// What the item was measured over (cases, votes, scores, visits).
    pub sample: i64,
    /// The share of the total it carried after re-spreading, in percent (0 when left out).
    pub effective_weight: f64,
}

/// The appraisal grade of a total on the 100-point scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 优秀 ≥ 90
    Excellent,
    /// 良好 ≥ 80
    Good,
    /// 一般 ≥ 60
    Fair,
    /// 较差 < 60
    Poor,
}

impl Grade {
    /// The grade of a (rounded) total: 优秀 ≥ 90, 良好 ≥ 80, 一般 ≥ 60, 较差 below.
    pub fn of(total: f64) -> Grade {
        if total >= 90.0 {
            Grade::Excellent
        } else if total >= 80.0 {
            Grade::Good
        } else if total >= 60.0 {
            Grade::Fair
        } else {
            Grade::Poor
        }
    }

    /// The stable snake_case name, as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::Fair => "fair",
            Grade::Poor => "poor",
        }
    }
}

/// One organisation's appraisal in one year: every item, and the total and grade if enough was measured.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrgScore {
    /// The seven items, in [`Item::ALL`] order, measured or not.
    pub items: Vec<ItemScore>,
    /// Σ scoreᵢ·wᵢ / Σ wᵢ over the measured items, one decimal; none when they carry less than [`MIN_MEASURED_WEIGHT`].
    pub total: Option<f64>,
    /// The grade of the total; none without a total.
    pub grade: Option<Grade>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// 民生实事办理 from the case measures (0–100), with its sample; see the module table.
pub fn livelihood(m: &OrgMeasures) -> Option<f64> {
    let parts = [
        (ratio(m.signed_on_time, m.signed), 25.0),
        (ratio(m.replied_on_time, m.replied), 25.0),
        (
            ratio(m.satisfied * 10 + m.basically_satisfied * 6, m.rated * 10),
            30.0,
        ),
        (ratio(m.assigned - m.reworked, m.assigned), 20.0),
    ];
    let (sum, weight) = parts
        .iter()
        .filter_map(|(r, w)| r.map(|r| (r.clamp(0.0, 1.0) * w, *w)))
        .fold((0.0, 0.0), |(s, t), (x, w)| (s + x, t + w));
    (weight > 0.0).then(|| 100.0 * sum / weight)
}

/// 议案建议办理 from the suggestions' counts (0–100); see the module table.
pub fn proposals(m: &SuggestionMeasures) -> Option<f64> {
    let parts = [
        (ratio(m.replied_on_time, m.replied), 30.0),
        (ratio(m.in_person, m.replied), 20.0),
        (ratio(m.class_ab, m.replied), 20.0),
        (
            ratio(
                m.satisfied * 10 + m.basically_satisfied * 6,
                m.evaluated * 10,
            ),
            30.0,
        ),
    ];
    let (sum, weight) = parts
        .iter()
        .filter_map(|(r, w)| r.map(|r| (r.clamp(0.0, 1.0) * w, *w)))
        .fold((0.0, 0.0), |(s, t), (x, w)| (s + x, t + w));
    (weight > 0.0).then(|| 100.0 * sum / weight)
}

/// One organisation's score; see the module documentation.
pub fn score(inputs: &Inputs, rules: &Rules) -> OrgScore {
    let mut raw: Vec<(Item, Option<f64>, i64)> = Vec::with_capacity(7);
    for item in Item::ALL {
        let (value, sample) = match item.method() {
            Method::Poll => {
                let n = inputs.poll.total();
                let v = (n >= rules.min_sample.max(1)).then(|| {
                    (100.0 * inputs.poll.satisfied as f64
                        + 60.0 * inputs.poll.basically_satisfied as f64)
                        / n as f64
                });
                (v, n)
            }
            Method::Appraisers => {
                let s = &inputs.scores[item.index()];
                let n = s.len() as i64;
                let v = (n > 0).then(|| s.iter().map(|x| f64::from(*x)).sum::<f64>() / n as f64);
                (v, n)
            }
            Method::Cases => {
                let n = inputs.measures.assigned;
                let v = if n >= rules.min_sample.max(1) {
                    livelihood(&inputs.measures)
                } else {
                    None
                };
                (v, n)
            }
            Method::Suggestions => {
                let n = inputs.suggestions.assigned;
                let v = if n >= rules.min_sample.max(1) {
                    proposals(&inputs.suggestions)
                } else {
                    None
                };
                (v, n)
            }
            Method::Visits => {
                let target = rules.visit_target.max(1) as f64;
                (
                    Some((100.0 * inputs.visits as f64 / target).min(100.0)),
                    inputs.visits,
                )
            }
        };
        raw.push((item, value, sample));
    }
    let measured_weight: i64 = raw
        .iter()
        .filter(|(_, v, _)| v.is_some())
        .map(|(i, _, _)| i64::from(rules.weights[i.index()].max(0)))
        .sum();
    let total = (measured_weight >= MIN_MEASURED_WEIGHT).then(|| {
        round1(
            raw.iter()
                .filter_map(|(i, v, _)| v.map(|v| v * f64::from(rules.weights[i.index()].max(0))))
                .sum::<f64>()
                / measured_weight as f64,
        )
    });
    let items = raw
        .into_iter()
        .map(|(item, value, sample)| {
            let weight = rules.weights[item.index()];
            ItemScore {
                item,
                method: item.method(),
                weight,
                score: value.map(round1),
                sample,
                effective_weight: match value {
                    Some(_) if measured_weight > 0 => {
                        round1(100.0 * f64::from(weight.max(0)) / measured_weight as f64)
                    }
                    _ => 0.0,
                },
            }
        })
        .collect();
    OrgScore {
        items,
        total,
        grade: total.map(Grade::of),
    }
}

/// Weights ops send: seven items, each 0–100, summing to 100.
pub fn check_weights(weights: &[i32; 7]) -> Result<(), (String, FieldKind)> {
    for item in Item::ALL {
        let w = weights[item.index()];
        if !(0..=100).contains(&w) {
            return Err((
                format!("weights.{}", item.as_str()),
                FieldKind::OutOfRange { min: 0, max: 100 },
            ));
        }
    }
    let sum: i32 = weights.iter().sum();
    if sum != 100 {
        return Err((
            "weights".into(),
            FieldKind::Sum {
                total: 100,
                got: sum.into(),
            },
        ));
    }
    Ok(())
}

/// Competition ranking ("1, 1, 3") by total, highest first; no total ranks last.
pub fn ranks(totals: &[Option<f64>]) -> Vec<usize> {
    totals
        .iter()
        .map(|t| match t {
            Some(t) => 1 + totals.iter().filter(|o| o.is_some_and(|o| o > *t)).count(),
            None => 1 + totals.iter().filter(|o| o.is_some()).count(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measures() -> OrgMeasures {
        OrgMeasures {
            assigned: 10,
            signed: 10,
            signed_on_time: 8,
            replied: 8,
            replied_on_time: 6,
            rated: 5,
            satisfied: 3,
            basically_satisfied: 1,
            unsatisfied: 1,
            reworked: 1,
        }
    }

    fn suggestion_measures() -> SuggestionMeasures {
        SuggestionMeasures {
            assigned: 6,
            replied: 5,
            replied_on_time: 4,
            in_person: 3,
            class_ab: 4,
            evaluated: 4,
            satisfied: 2,
            basically_satisfied: 1,
            unsatisfied: 1,
        }
    }

    #[test]
    fn proposals_by_hand() {
        // on time 4/5 → 24; in person 3/5 → 12; A or B 4/5 → 16; satisfaction (2 + 0.6)/4 =
        // 0.65 → 19.5. Sum 71.5 of 100.
        let v = proposals(&suggestion_measures()).unwrap();
        assert!((v - 71.5).abs() < 1e-9, "{v}");
        // Nothing replied or evaluated yet: nothing to measure.
        let m = SuggestionMeasures {
            assigned: 6,
            ..Default::default()
        };
        assert_eq!(proposals(&m), None);
        // Replied, none evaluated: the other three parts, re-spread over their 70.
        let m = SuggestionMeasures {
            assigned: 2,
            replied: 2,
            replied_on_time: 2,
            in_person: 1,
            class_ab: 2,
            ..Default::default()
        };
        let v = proposals(&m).unwrap();
        assert!((v - 100.0 * 60.0 / 70.0).abs() < 1e-9, "{v}");
    }

    #[test]
    fn livelihood_by_hand() {
        // sign 0.8·25 = 20; reply 0.75·25 = 18.75; satisfaction (3 + 0.6)/5 = 0.72 → 21.6;
        // not reworked 9/10 → 18. Sum 78.35 of 100.
        let v = livelihood(&measures()).unwrap();
        assert!((v - 78.35).abs() < 1e-9, "{v}");
    }

    #[test]
    fn livelihood_leaves_out_parts_with_nothing_to_measure() {
        // Nothing replied or rated yet: sign 0.5 (of 25) and not reworked 1.0 (of 20) →
        // (12.5 + 20) / 45 = 72.2…
        let m = OrgMeasures {
            assigned: 6,
            signed: 4,
            signed_on_time: 2,
            ..Default::default()
        };
        let v = livelihood(&m).unwrap();
        assert!((v - 100.0 * 32.5 / 45.0).abs() < 1e-9, "{v}");
        assert_eq!(livelihood(&OrgMeasures::default()), None);
    }

    #[test]
    fn a_full_score_by_hand() {
        let mut inputs = Inputs {
            measures: measures(),
            visits: 3,
            ..Default::default()
        };
        inputs.scores[Item::GovReport.index()] = vec![80, 90];
        inputs.scores[Item::Decisions.index()] = vec![70];
        inputs.suggestions = suggestion_measures();
        inputs.scores[Item::Lawful.index()] = vec![60, 80];
        inputs.poll = Tally {
            satisfied: 4,
            basically_satisfied: 1,
            unsatisfied: 1,
        };
        let rules = Rules::default();
        let s = score(&inputs, &rules);
        let by = |i: Item| s.items[i.index()].score;
        // Poll: (400 + 60) / 6 = 76.67.
        assert_eq!(by(Item::Committee), Some(76.7));
        assert_eq!(by(Item::GovReport), Some(85.0));
        assert_eq!(by(Item::Decisions), Some(70.0));
        // 78.35, up to the float's last bit.
        assert!((by(Item::Livelihood).unwrap() - 78.35).abs() <= 0.051);
        assert_eq!(by(Item::Proposals), Some(71.5));
        // 3 visits of 4 → 75.
        assert_eq!(by(Item::Grassroots), Some(75.0));
        assert_eq!(by(Item::Lawful), Some(70.0));
        // 76.666·20 + 85·15 + 70·10 + 78.35·20 + 71.5·15 + 75·10 + 70·10
        // = 1533.33 + 1275 + 700 + 1567 + 1072.5 + 750 + 700 = 7597.83 → 76.0
        assert_eq!(s.total, Some(76.0));
        assert_eq!(s.grade, Some(Grade::Fair));
        assert!(
            s.items
                .iter()
                .all(|i| i.effective_weight == f64::from(i.weight))
        );
    }

    #[test]
    fn too_small_a_sample_is_left_out_and_its_weight_re_spread() {
        let mut inputs = Inputs {
            measures: OrgMeasures {
                assigned: 4,
                signed: 4,
                signed_on_time: 4,
                ..Default::default()
            },
            visits: 8,
            ..Default::default()
        };
        inputs.scores[Item::GovReport.index()] = vec![90];
        inputs.scores[Item::Decisions.index()] = vec![80];
        // Three suggestions led: fewer than the sample of 5.
        inputs.suggestions = SuggestionMeasures {
            assigned: 3,
            replied: 3,
            replied_on_time: 3,
            ..Default::default()
        };
        inputs.scores[Item::Lawful.index()] = vec![60];
        inputs.poll = Tally {
            satisfied: 2,
            ..Default::default()
        };
        let s = score(&inputs, &Rules::default());
        // Cases (4 < 5), suggestions (3 < 5) and poll (2 < 5) lack data. Measured: gov_report
        // 90 (w 15), decisions 80 (10), lawful 60 (10), grassroots 100 (10, capped): 45 of
        // weight, under the floor of 50: no total.
        assert_eq!(s.items[Item::Proposals.index()].score, None);
        assert_eq!(s.items[Item::Proposals.index()].sample, 3);
        assert_eq!(s.total, None);
        // With the poll measured too (committee, w 20): 65 of weight.
        inputs.poll = Tally {
            satisfied: 5,
            ..Default::default()
        };
        let s = score(&inputs, &Rules::default());
        // (2000 + 1350 + 800 + 600 + 1000) / 65 = 88.46 → 88.5
        assert_eq!(s.total, Some(88.5));
        assert_eq!(s.grade, Some(Grade::Good));
        assert_eq!(s.items[Item::GovReport.index()].effective_weight, 23.1);
        inputs.poll = Tally {
            satisfied: 2,
            ..Default::default()
        };
        let s = score(&inputs, &Rules::default());
        assert_eq!(s.items[Item::Livelihood.index()].score, None);
        assert_eq!(s.items[Item::Livelihood.index()].sample, 4);
        assert_eq!(s.items[Item::Committee.index()].score, None);
        assert_eq!(s.items[Item::Grassroots.index()].score, Some(100.0));
        assert_eq!(s.items[Item::Livelihood.index()].effective_weight, 0.0);
    }

    #[test]
    fn less_than_half_the_weight_measured_gives_no_total() {
        let mut inputs = Inputs::default();
        inputs.scores[Item::GovReport.index()] = vec![95];
        // gov_report (15) and grassroots (10, no visit = 0) carry 25 < 50.
        let s = score(&inputs, &Rules::default());
        assert_eq!(s.items[Item::GovReport.index()].score, Some(95.0));
        assert_eq!(s.items[Item::Grassroots.index()].score, Some(0.0));
        assert_eq!(s.total, None);
        assert_eq!(s.grade, None);
    }

    #[test]
    fn nothing_measured_means_no_score() {
        let rules = Rules {
            weights: [20, 20, 20, 20, 20, 0, 0],
            ..Default::default()
        };
        let s = score(&Inputs::default(), &rules);
        // Only the visits item is measured, and it weighs 0.
        assert_eq!(s.total, None);
        assert_eq!(s.grade, None);
    }

    #[test]
    fn grades_at_their_edges() {
        assert_eq!(Grade::of(90.0), Grade::Excellent);
        assert_eq!(Grade::of(89.9), Grade::Good);
        assert_eq!(Grade::of(80.0), Grade::Good);
        assert_eq!(Grade::of(79.9), Grade::Fair);
        assert_eq!(Grade::of(60.0), Grade::Fair);
        assert_eq!(Grade::of(59.9), Grade::Poor);
    }

    #[test]
    fn poll_verdicts() {
        let t = |s, b, u| Tally {
            satisfied: s,
            basically_satisfied: b,
            unsatisfied: u,
        };
        assert_eq!(t(3, 1, 1).verdict(), Some(Vote::Satisfied));
        assert_eq!(t(2, 1, 1).verdict(), Some(Vote::BasicallySatisfied));
        assert_eq!(t(1, 1, 2).verdict(), Some(Vote::Unsatisfied));
        assert_eq!(t(0, 0, 0).verdict(), None);
    }

    #[test]
    fn weights_must_sum_to_100() {
        assert!(check_weights(&DEFAULT_WEIGHTS).is_ok());
        let e = check_weights(&[20, 15, 10, 20, 15, 10, 11]).unwrap_err();
        assert_eq!(e.0, "weights");
        let e = check_weights(&[120, -20, 0, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(e.0, "weights.committee");
    }

    #[test]
    fn ties_share_a_rank() {
        assert_eq!(
            ranks(&[Some(80.0), Some(90.0), Some(80.0), None, Some(70.0)]),
            vec![2, 1, 2, 5, 4]
        );
    }
}
