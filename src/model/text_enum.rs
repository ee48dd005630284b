//! One mechanism for states and kinds kept as TEXT: a `text_enum!` names
//! each variant's text once, and that text is what serde writes and reads,
//! what the store writes, and what it reads back. A stored text that names
//! no variant is an error ([`UnknownValue`]), never a default.

/// A text that names no variant of the enum it was read as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a {kind} (one of: {known})")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
    pub known: String,
}

/// Declares an enum whose variants have one text each:
///
/// ```ignore
/// text_enum! {
///     /// What a try ended with.
///     pub enum TryOutcome { Submitted = "submitted", Failed = "failed" }
/// }
/// ```
///
/// It gets `as_str`, `ALL`, `FromStr` (strict), `Display`, serde, and
/// rusqlite's `ToSql` / `FromSql` (strict: an unknown stored text is an
/// error naming the column's value).
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text this variant is written as (serde, the store).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::model::text_enum::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::model::text_enum::UnknownValue {
                        kind: stringify!($name),
                        value: s.to_owned(),
                        known: [$($text),+].join(", "),
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(::serde::de::Error::custom)
            }
        }

        impl ::rusqlite::ToSql for $name {
            fn to_sql(&self) -> ::rusqlite::Result<::rusqlite::types::ToSqlOutput<'_>> {
                Ok(::rusqlite::types::ToSqlOutput::Borrowed(
                    ::rusqlite::types::ValueRef::Text(self.as_str().as_bytes()),
                ))
            }
        }

        impl ::rusqlite::types::FromSql for $name {
            fn column_result(v: ::rusqlite::types::ValueRef<'_>) -> ::rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                s.parse()
                    .map_err(|e| ::rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::text_enum! {
        /// A test enum.
        pub enum Colour { Red = "red", DarkBlue = "dark_blue" }
    }

    #[test]
    fn every_variant_reads_back_from_its_text_in_serde_and_sql() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        for v in Colour::ALL {
            assert_eq!(v.as_str().parse::<Colour>(), Ok(*v));
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *v);
            let back: Colour = c.query_row("SELECT ?1", [v], |r| r.get(0)).unwrap();
            assert_eq!(back, *v);
        }
    }

    #[test]
    fn an_unknown_text_is_an_error_that_names_it() {
        let e = "green".parse::<Colour>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "'green' is not a Colour (one of: red, dark_blue)"
        );
        assert!(serde_json::from_str::<Colour>("\"Red\"").is_err());
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let r: rusqlite::Result<Colour> = c.query_row("SELECT 'green'", [], |r| r.get(0));
        assert!(
            r.unwrap_err()
                .to_string()
                .contains("'green' is not a Colour")
        );
    }
}
