package configmgr

// NumbersNormalized is numbersNormalized, for the fuzz targets of the
// configmgr_test package.
var NumbersNormalized = numbersNormalized
