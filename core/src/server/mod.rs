//! In progress (helper "server").
