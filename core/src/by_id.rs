//! Values by id in id order: a sorted list that behaves as a `BTreeMap<String, V>` filled with
//! `insert`. The resolver's caches and the UI model's per-node and per-finding tables (a
//! layout's boxes, the drawing's positions, the diagram's labels, the proofs run) are kept in
//! it because every map of its own value type put a copy of the map's code into the
//! WebAssembly.

/// Values by id, in id order, as a `BTreeMap<String, V>` filled with `insert` holds them (a
/// later value for an id replaces the earlier).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ById<V>(Vec<(String, V)>);

impl<V> Default for ById<V> {
    fn default() -> Self {
        ById(Vec::new())
    }
}

impl<V> ById<V> {
    fn find(&self, id: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(key, _)| key.as_str().cmp(id))
    }

    /// Sets `id`'s value.
    pub fn insert(&mut self, id: String, value: V) {
        match self.find(&id) {
            Ok(at) => {
                if let Some(slot) = self.0.get_mut(at) {
                    slot.1 = value;
                }
            }
            Err(at) => self.0.insert(at, (id, value)),
        }
    }

    /// `id`'s value, set to `value` first if it has none.
    pub fn get_or_insert(&mut self, id: String, value: V) -> &mut V {
        let at = match self.find(&id) {
            Ok(at) => at,
            Err(at) => {
                self.0.insert(at, (id, value));
                at
            }
        };
        &mut self.0[at].1
    }

    /// `id`'s value, to change.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut V> {
        let at = self.find(id).ok()?;
        self.0.get_mut(at).map(|(_, value)| value)
    }

    /// The values, to change, in their ids' order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, value)| value)
    }

    /// Every id and its value, to change, in id order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut V)> {
        self.0.iter_mut().map(|(id, value)| (&*id, value))
    }

    /// `id`'s value.
    pub fn get(&self, id: &str) -> Option<&V> {
        let at = self.find(id).ok()?;
        self.0.get(at).map(|(_, value)| value)
    }

    /// Every id and its value, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.0.iter().map(|(id, value)| (id, value))
    }

    /// Whether `id` has a value.
    pub fn contains_key(&self, id: &str) -> bool {
        self.find(id).is_ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes `id` and returns its value, if it has one.
    pub fn remove(&mut self, id: &str) -> Option<V> {
        let at = self.find(id).ok()?;
        Some(self.0.remove(at).1)
    }

    /// Forgets every id.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Keeps the ids and values `keep` is true of, in id order.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &V) -> bool) {
        self.0.retain(|(id, value)| keep(id, value));
    }
}

impl<V> Extend<(String, V)> for ById<V> {
    fn extend<I: IntoIterator<Item = (String, V)>>(&mut self, items: I) {
        for (id, value) in items {
            self.insert(id, value);
        }
    }
}

impl<V> ById<V> {
    /// The ids, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(id, _)| id)
    }

    /// The values, in their ids' order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, value)| value)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl<V> std::ops::Index<&str> for ById<V> {
    type Output = V;

    /// `id`'s value; panics if it has none, as a `BTreeMap`'s index does.
    fn index(&self, id: &str) -> &V {
        self.get(id).expect("no entry found for key")
    }
}

impl<V> FromIterator<(String, V)> for ById<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(items: I) -> Self {
        let mut by_id = ById::default();
        by_id.extend(items);
        by_id
    }
}
