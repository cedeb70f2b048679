// Package docs holds runos's documentation. It has no code: its test keeps
// docs/tour.md true by checking that every function the tour names exists
// in the file it names.
package docs
