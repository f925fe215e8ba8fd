module github.com/configmgr/configmgr

go 1.26.0

require (
	github.com/gofrs/flock v0.13.2
	github.com/xeipuuv/gojsonschema v1.2.0
)

require (
	github.com/evanphx/json-patch/v5 v5.9.11 // indirect
	github.com/fsnotify/fsnotify v1.10.1 // indirect
	github.com/mattn/go-sqlite3 v1.14.53 // indirect
	github.com/xeipuuv/gojsonpointer v0.0.0-20180127040702-4e3ac2762d5f // indirect
	github.com/xeipuuv/gojsonreference v0.0.0-20180127040603-bd5ef7bd5415 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
