// Package docs holds runos's documentation. It has no code: its tests
// keep docs/tour.md and docs/filesystems.md true by checking that every
// file they name exists and that the functions named in their file
// bullets are declared in those files.
package docs
