//! In progress (helper "client").
