package install

// generate returns the files Install would write, with their exact content,
// checking nothing on disk: the tests' view of a plan.
func generate(o Options) ([]File, error) {
	_, p, err := planOf(o)
	return p.files, err
}
