//! The attribute catalog a mapping is checked against: Talon.One's built-in attributes, custom attributes
//! fetched from the Management API, and those the mapping declares in `[custom_attributes]`.

use crate::talon::attributes::{AttrType, AttributeDef, Entity, builtin};

use super::Mapping;

/// Every attribute a mapping may name, per entity.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    attrs: Vec<AttributeDef>,
}

impl Catalog {
    /// Only Talon.One's built-in attributes.
    pub fn builtin() -> Self {
        Catalog { attrs: builtin() }
    }

    /// The built-ins plus what `mapping` declares in `[custom_attributes]`. A declared attribute without an
    /// entity belongs to the mapping's target entity.
    pub fn for_mapping(mapping: &Mapping) -> Self {
        let mut c = Catalog::builtin();
        c.declare(mapping);
        c
    }

    /// Adds the mapping's `[custom_attributes]`.
    pub fn declare(&mut self, mapping: &Mapping) {
        let default_entity = match mapping.target {
            super::Target::Profiles => Entity::CustomerProfile,
            super::Target::Sessions => Entity::CustomerSession,
        };
        let defs: Vec<AttributeDef> = mapping
            .custom_attributes
            .iter()
            .map(|(name, c)| AttributeDef {
                entity: c.entity().unwrap_or(default_entity),
                name: name.clone(),
                title: name.clone(),
                kind: c.kind(),
                description: "declared in the mapping file".into(),
                builtin: false,
            })
            .collect();
        self.extend(defs);
    }

    /// Adds attributes (e.g. fetched from the Management API); a later definition of the same entity and
    /// name replaces the earlier one.
    pub fn extend(&mut self, defs: impl IntoIterator<Item = AttributeDef>) {
        for d in defs {
            if d.entity == Entity::Other {
                continue;
            }
            match self
                .attrs
                .iter_mut()
                .find(|a| a.entity == d.entity && a.name == d.name)
            {
                Some(slot) => *slot = d,
                None => self.attrs.push(d),
            }
        }
    }

    pub fn get(&self, entity: Entity, name: &str) -> Option<&AttributeDef> {
        self.attrs
            .iter()
            .find(|a| a.entity == entity && a.name == name)
    }

    pub fn kind_of(&self, entity: Entity, name: &str) -> Option<AttrType> {
        self.get(entity, name).map(|a| a.kind)
    }

    /// The attributes of one entity, in catalog order.
    pub fn of(&self, entity: Entity) -> impl Iterator<Item = &AttributeDef> {
        self.attrs.iter().filter(move |a| a.entity == entity)
    }

    /// The closest known name for a misspelt one ("did you mean …?"), if any is close enough.
    pub fn did_you_mean(&self, entity: Entity, name: &str) -> Option<&str> {
        let lower = name.to_lowercase();
        self.of(entity)
            .map(|a| (strsim::jaro_winkler(&lower, &a.name.to_lowercase()), a))
            .filter(|(score, _)| *score >= 0.85)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, a)| a.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_builtins_and_suggests_close_names() {
        let c = Catalog::builtin();
        assert_eq!(
            c.kind_of(Entity::CustomerProfile, "Email"),
            Some(AttrType::String)
        );
        assert_eq!(
            c.did_you_mean(Entity::CustomerProfile, "Emial"),
            Some("Email")
        );
        assert_eq!(c.did_you_mean(Entity::CustomerProfile, "Zebra"), None);
    }
}
