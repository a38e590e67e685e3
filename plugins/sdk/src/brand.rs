use core::marker::PhantomData;

use crate::Error;
use crate::bindings;
use crate::types::{ActionResult, Block, CaseEvent, Context, FormInput};

/// A station brand, written in plain Rust.
///
/// Implement it for a unit struct and export that with [`export_brand!`](crate::export_brand).
/// The host calls these functions; each call runs in a fresh instance of the plugin, so keep
/// nothing in statics between calls: use [`storage`](crate::storage).
pub trait Brand {
    /// Renders the view `view` (an id from the manifest) for `ctx`.
    ///
    /// The host only asks for views the manifest declares, for the audiences it lists. Answer
    /// [`Error::not_found`] for anything else.
    fn render_view(view: &str, ctx: &Context) -> Result<Vec<Block>, Error>;

    /// Runs the action `action` (an id from the manifest) with the submitted form.
    ///
    /// The host has already checked `input` against the fields the manifest declares for the
    /// action (required, maximum length, kind, select options).
    fn run_action(action: &str, ctx: &Context, input: &FormInput) -> Result<ActionResult, Error>;

    /// Reacts to a case event of the station: only the actions the manifest `listens` to.
    ///
    /// Delivery is at least once: the host retries a failed delivery, so make this idempotent.
    /// The default does nothing.
    fn on_case_event(event: &CaseEvent) -> Result<(), Error> {
        let _ = event;
        Ok(())
    }

    /// Runs on the manifest's `[schedule]`, once per station where the plugin is enabled.
    /// The default does nothing.
    fn on_schedule(station: &str) -> Result<(), Error> {
        let _ = station;
        Ok(())
    }
}

/// Adapts a [`Brand`] to the generated `Guest` trait. Used by `export_brand!`.
#[doc(hidden)]
pub struct Export<T>(PhantomData<T>);

impl<T: Brand> bindings::Guest for Export<T> {
    fn render_view(view: String, ctx: Context) -> Result<Vec<Block>, bindings::Error> {
        T::render_view(&view, &ctx).map_err(Into::into)
    }

    fn run_action(
        action: String,
        ctx: Context,
        input: FormInput,
    ) -> Result<ActionResult, bindings::Error> {
        T::run_action(&action, &ctx, &input).map_err(Into::into)
    }

    fn on_case_event(event: CaseEvent) -> Result<(), bindings::Error> {
        T::on_case_event(&event).map_err(Into::into)
    }

    fn on_schedule(station: String) -> Result<(), bindings::Error> {
        T::on_schedule(&station).map_err(Into::into)
    }
}
