package install

// Generate returns the files Install would write for o, with their exact
// content, and touches nothing (the binary need not exist). It is how a
// package build ships the same unit that `supervisor install` writes:
// packaging/dist puts the systemd unit into the .deb and .rpm from here, so
// the two can never drift apart.
func Generate(o Options) ([]File, error) {
	_, p, err := planOf(o)
	if err != nil {
		return nil, err
	}
	return p.files, nil
}
