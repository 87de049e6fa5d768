//! Domain types: exact money, filters, windows, the cost cube and the snapshot.

pub mod alert;
pub mod analysis;
pub mod anomaly;
pub mod cube;
pub mod filter;
pub mod grouped;
pub mod money;
pub mod snapshot;
pub mod window;

pub use alert::{Alert, AlertKind, AlertSeverity};
pub use analysis::{Analysis, Section};
pub use anomaly::{Anomaly, AnomalyKind, AnomalySource};
pub use cube::{Breakdown, CostCube, CubeBuilder, Day, Row};
pub use filter::{Dimension, Filter, FilterError, FilterSet};
pub use grouped::{GroupCell, Grouped};
pub use money::Money;
pub use snapshot::{
    ApiCalls, Budget, DataOrigin, EstimatedCharges, FilterValues, Forecast, Freshness, MonthToDate,
    Problems, Query, Snapshot, SourceKind, Threshold,
};
pub use window::{Preset, Window, WindowError};
