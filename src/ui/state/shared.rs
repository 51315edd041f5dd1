//! [`Shared`]: a part of the state that versions of it share.

use std::ops::Deref;
use std::rc::Rc;

/// A value the versions of the state share: cloning it copies a pointer, and two that point at
/// the same value are equal without looking inside. Yew's reducer clones the state for every
/// action and compares the result with the state before, so the design, its history, the log
/// and what is derived from them are `Shared`: a pointer move copies and compares pointers.
#[derive(Debug, Default)]
pub struct Shared<T>(Rc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Rc::new(value))
    }

    /// The shared value, for a component's property.
    pub fn rc(&self) -> Rc<T> {
        Rc::clone(&self.0)
    }

    /// Whether both are the same value (not only equal ones).
    pub fn same(&self, other: &Shared<T>) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T: Clone> Shared<T> {
    /// The value to change: copied first if another version shares it.
    pub fn make_mut(&mut self) -> &mut T {
        Rc::make_mut(&mut self.0)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<Rc<T>> for Shared<T> {
    fn from(rc: Rc<T>) -> Shared<T> {
        Shared(rc)
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        self.same(other) || *self.0 == *other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_values_compare_by_pointer_first_then_by_value() {
        let a = Shared::new(vec![1, 2]);
        let b = a.clone();
        assert!(a.same(&b) && a == b);
        let mut c = a.clone();
        c.make_mut().push(3);
        assert!(!a.same(&c) && a != c);
        assert_eq!(*a, [1, 2], "a change copies what others share");
        assert_eq!(Shared::new(vec![1, 2]), a, "equal values are equal");
    }
}
