//! Tell the station's staff (告知站内工作人员): the smallest brand built against
//! `liaison:brand@0.2.0`. Its form passes a subject and a text to `staff::notify`, which the
//! host delivers to the station's staff within the plugin's hourly limit. The host's tests use
//! it to show the capability's grant and limit; a real brand would notify from its own events
//! (a reservation made, an inspection finding filed).

use liaison_sdk::prelude::*;

/// The brand.
pub struct StaffNotice;

impl Brand for StaffNotice {
    fn render_view(view: &str, ctx: &Context) -> Result<Vec<Block>, Error> {
        match view {
            "home" => Ok(View::new()
                .heading(1, ctx.pick("告知工作人员", "Tell the staff"))
                .form(
                    Form::new("tell", ctx.pick("告知", "Tell"))
                        .field(
                            Field::text("subject", ctx.pick("主题", "Subject"))
                                .required()
                                .max_length(100),
                        )
                        .field(
                            Field::textarea("body", ctx.pick("内容", "Text"))
                                .required()
                                .max_length(1000),
                        ),
                )
                .into()),
            other => Err(Error::not_found(format!("view {other}"))),
        }
    }

    fn run_action(action: &str, ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
        match action {
            "tell" => {
                liaison_sdk::staff::notify(input.required("subject")?, input.required("body")?)?;
                Ok(ActionResult::message(
                    ctx.pick("已告知工作人员。", "The staff have been told."),
                ))
            }
            other => Err(Error::not_found(format!("action {other}"))),
        }
    }
}

liaison_sdk::export_brand!(StaffNotice);

#[cfg(test)]
mod tests {
    use super::*;
    use liaison_sdk::testing::TestHost;

    fn tell(host: &TestHost, subject: &str) -> Result<ActionResult, Error> {
        host.run_action::<StaffNotice>("tell", &[("subject", subject), ("body", "第一行\n第二行")])
    }

    #[test]
    fn the_staff_are_told_within_the_hourly_limit() {
        let host = TestHost::with_manifest(include_str!("../plugin.toml"));
        host.staff_notify_per_hour(2);
        tell(&host, "预约已满").expect("told");
        tell(&host, "  second  ").expect("told");
        assert!(matches!(tell(&host, "third"), Err(Error::Limit(_))));
        assert_eq!(
            host.staff_notices(),
            vec![
                ("预约已满".to_owned(), "第一行\n第二行".to_owned()),
                ("second".to_owned(), "第一行\n第二行".to_owned()),
            ]
        );
    }

    #[test]
    fn without_the_grant_nothing_is_sent() {
        let host = TestHost::with_manifest(include_str!("../plugin.toml"));
        host.revoke("staff.notify");
        assert_eq!(tell(&host, "x"), Err(Error::Denied("staff.notify".into())));
        assert!(host.staff_notices().is_empty());
    }

    #[test]
    fn a_subject_on_two_lines_is_refused() {
        let host = TestHost::with_manifest(include_str!("../plugin.toml"));
        assert!(matches!(tell(&host, "a\nb"), Err(Error::Invalid { .. })));
        assert!(host.staff_notices().is_empty());
    }
}
