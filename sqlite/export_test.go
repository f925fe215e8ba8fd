package sqlite

// DriverName is the database/sql name of the driver this build uses, for
// tests that open a database directly.
const DriverName = driverName
