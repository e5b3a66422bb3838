//! Tab completion. (Filled in below.)
