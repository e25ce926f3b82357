package rpsl_test

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ipatlas/ipatlas/rpsl"
)

// readAll reads every object and error until the end of the input.
func readAll(tb testing.TB, in, name string) ([]rpsl.Object, []error) {
	tb.Helper()
	r := rpsl.NewReader(strings.NewReader(in), name)
	var objs []rpsl.Object
	var errs []error
	for i := 0; ; i++ {
		if i > len(in)+1 {
			tb.Fatalf("Next did not reach the end of %d bytes", len(in))
		}
		o, err := r.Next()
		switch {
		case err == io.EOF:
			return objs, errs
		case err != nil:
			errs = append(errs, err)
		default:
			objs = append(objs, o)
		}
	}
}

func TestReaderReadsObjects(t *testing.T) {
	t.Parallel()
	in := "% a comment before the first object\r\n" +
		"\r\n" +
		"inetnum:        192.0.2.0 - 192.0.2.255\r\n" +
		"NetName:        EXAMPLE-NET # end-of-line comment\r\n" +
		"descr:          first line\r\n" +
		"                second line\r\n" +
		"\tthird line\r\n" +
		"+\r\n" +
		"+               after an empty line\r\n" +
		"% a comment inside the object\r\n" +
		"remarks:\r\n" +
		"                continued from empty\r\n" +
		"admin-c:        EX1-TEST\r\n" +
		"admin-c:        EX2-TEST\r\n" +
		"auth:           # Filtered\r\n" +
		" \t \r\n" +
		"role:           Example Role\r\n" +
		"nic-hdl:        EX1-TEST"
	objs, errs := readAll(t, in, "answer.txt")
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(objs) != 2 {
		t.Fatalf("%d objects, want 2: %+v", len(objs), objs)
	}
	want := []rpsl.Attr{
		{Name: "inetnum", Value: "192.0.2.0 - 192.0.2.255", Line: 3},
		{Name: "netname", Value: "EXAMPLE-NET", Line: 4},
		{Name: "descr", Value: "first line\nsecond line\nthird line\n\nafter an empty line", Line: 5},
		{Name: "remarks", Value: "continued from empty", Line: 11},
		{Name: "admin-c", Value: "EX1-TEST", Line: 13},
		{Name: "admin-c", Value: "EX2-TEST", Line: 14},
		{Name: "auth", Value: "", Line: 15},
	}
	if !reflect.DeepEqual(objs[0].Attrs, want) {
		t.Errorf("first object:\n got %+v\nwant %+v", objs[0].Attrs, want)
	}
	o := objs[0]
	if o.Line != 3 || o.Class() != "inetnum" || o.Key() != "192.0.2.0 - 192.0.2.255" {
		t.Errorf("Line %d, Class %q, Key %q", o.Line, o.Class(), o.Key())
	}
	if o.Get("NETNAME") != "EXAMPLE-NET" || o.Get("mnt-by") != "" {
		t.Errorf("Get: %q %q", o.Get("NETNAME"), o.Get("mnt-by"))
	}
	if got := o.All("admin-c"); !reflect.DeepEqual(got, []string{"EX1-TEST", "EX2-TEST"}) {
		t.Errorf("All(admin-c) = %q", got)
	}
	if objs[1].Class() != "role" || objs[1].Get("nic-hdl") != "EX1-TEST" || objs[1].Line != 17 {
		t.Errorf("second object: %+v", objs[1])
	}
	var empty rpsl.Object
	if empty.Class() != "" || empty.Key() != "" || empty.All("x") != nil {
		t.Error("the zero Object should have no class, key or values")
	}
}

// TestReaderSkipsBadObjects checks that every kind of malformed line is a
// SyntaxError naming the file and line, and that reading goes on with the
// next object, as a lenient loader needs.
func TestReaderSkipsBadObjects(t *testing.T) {
	t.Parallel()
	long := "remarks: " + strings.Repeat("x", rpsl.MaxLine) + "\n"
	cases := []struct {
		name, bad string
		line      int
		msg       string
	}{
		{"NoColon", "inetnum: 192.0.2.0/24\nthis is not an attribute\nnetname: X\n", 4, "not an attribute"},
		{"BadName", "inetnum: 192.0.2.0/24\nnet name: X\n", 4, "not an attribute"},
		{"EmptyName", "inetnum: 192.0.2.0/24\n: X\n", 4, "not an attribute"},
		{"ContinuationFirst", "  continued\ninetnum: 192.0.2.0/24\n", 3, "continuation line outside an object"},
		{"LongLine", "inetnum: 192.0.2.0/24\n" + long + "netname: X\n", 4, "line longer than"},
		{"LongLineFirst", long + "inetnum: 192.0.2.0/24\n", 3, "line longer than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := "route: 10.0.0.0/8\n\n" + c.bad + "\ninetnum: 198.51.100.0/24\n"
			objs, errs := readAll(t, in, "dump.db")
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1: %v", len(errs), errs)
			}
			var se *rpsl.SyntaxError
			if !errors.As(errs[0], &se) || se.File != "dump.db" || se.Line != c.line || !strings.Contains(se.Msg, c.msg) {
				t.Fatalf("error %#v, want a SyntaxError at dump.db:%d saying %q", errs[0], c.line, c.msg)
			}
			if want := fmt.Sprintf("dump.db:%d: ", c.line); !strings.HasPrefix(se.Error(), want) {
				t.Errorf("Error() = %q, want it to start %q", se.Error(), want)
			}
			if len(objs) != 2 || objs[0].Key() != "10.0.0.0/8" || objs[1].Key() != "198.51.100.0/24" {
				t.Errorf("objects around the bad one: %+v", objs)
			}
		})
	}
}

func TestReaderReportsReadErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	r := rpsl.NewReader(io.MultiReader(strings.NewReader("inetnum: 192.0.2.0/24\n\n"), iotest.ErrReader(boom)), "x.db")
	if o, err := r.Next(); err != nil || o.Key() != "192.0.2.0/24" {
		t.Fatalf("first object: %+v %v", o, err)
	}
	for range 2 { // the error sticks
		if _, err := r.Next(); !errors.Is(err, boom) || !strings.Contains(err.Error(), "x.db") {
			t.Fatalf("Next = %v, want the read error naming the input", err)
		}
	}
}

// FuzzReader feeds arbitrary bytes to the Reader: it never panics, always
// reaches the end, reports every problem as a SyntaxError with a line, and
// returns only well-formed attributes.
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"inetnum: 192.0.2.0 - 192.0.2.255\nnetname: X # c\n\nrole: R\n+\n nic-hdl: X\n",
		"% comment\n\n  bad\nx:y\n\r\n\t\n:\n",
		"NetRange: 1.0.0.0 - 1.255.255.255\r\nCIDR: 1.0.0.0/8\r\n",
		"a:" + strings.Repeat("b", 300) + "\n#\n%\n+x\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := rpsl.NewReader(strings.NewReader(string(in)), "fuzz")
		lastLine := 0
		for i := 0; ; i++ {
			if i > len(in)+1 {
				t.Fatalf("Next did not reach the end of %d bytes", len(in))
			}
			o, err := r.Next()
			if err == io.EOF {
				return
			}
			var se *rpsl.SyntaxError
			if err != nil {
				if !errors.As(err, &se) || se.Line <= lastLine || se.File != "fuzz" {
					t.Fatalf("error %#v after line %d", err, lastLine)
				}
				lastLine = se.Line
				continue
			}
			lastLine = checkObject(t, o, lastLine)
		}
	})
}

func checkObject(t *testing.T, o rpsl.Object, after int) int {
	t.Helper()
	if len(o.Attrs) == 0 || o.Line != o.Attrs[0].Line {
		t.Fatalf("object %+v", o)
	}
	for _, a := range o.Attrs {
		if a.Line <= after || a.Name == "" || strings.ToLower(a.Name) != a.Name || strings.ContainsAny(a.Name, ": \t#") {
			t.Fatalf("attribute %+v after line %d", a, after)
		}
		for _, l := range strings.Split(a.Value, "\n") {
			if strings.Contains(l, "#") || strings.TrimSpace(l) != l {
				t.Fatalf("value %q not cleaned", a.Value)
			}
		}
		after = a.Line
	}
	return after
}
