//! Rendering the texts the gateway sends from their templates in
//! `templates/`.

use askama::Template;

/// Renders an SMS text; a template that cannot render (it cannot fail on
/// plain fields) gives an empty text, which is then not sent.
pub fn sms(t: &impl Template) -> String {
    match t.render() {
        Ok(s) => s.trim().to_owned(),
        Err(e) => {
            tracing::error!(error = %e, "an SMS template did not render");
            String::new()
        }
    }
}
