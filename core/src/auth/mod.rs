//! In progress (helper "auth").
