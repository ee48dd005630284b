//! Secrets from the environment: a string value `"${NAME}"` anywhere in the
//! file is replaced by the variable's value, so passwords need not be
//! written into the file.

pub fn expand(table: &mut toml::Table) -> Result<(), (String, String)> {
    for (key, value) in table.iter_mut() {
        expand_value(key, value)?;
    }
    Ok(())
}

fn expand_value(path: &str, value: &mut toml::Value) -> Result<(), (String, String)> {
    match value {
        toml::Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                *s = std::env::var(name).map_err(|_| {
                    (
                        path.to_owned(),
                        format!("the environment variable {name} is not set"),
                    )
                })?;
            }
        }
        toml::Value::Table(t) => {
            for (k, v) in t.iter_mut() {
                expand_value(&format!("{path}.{k}"), v)?;
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter_mut().enumerate() {
                expand_value(&format!("{path}[{i}]"), v)?;
            }
        }
        _ => {}
    }
    Ok(())
}
