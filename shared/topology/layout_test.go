package topology

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// infra/ only assembles: nothing under shared/ (tests included) imports
// it, so the domain, the platform packages and this topology never
// depend on how they are deployed or run.
func TestLayout_SharedNeverImportsInfra(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	shared := filepath.Join(filepath.Dir(file), "..")
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(shared, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		n++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/souqhq/souq/infra/") {
				rel, _ := filepath.Rel(shared, path)
				t.Errorf("shared/%s imports %s: infra/ only assembles", rel, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("read %d Go files under shared/: the walk missed them", n)
	}
}
