package daemon

import (
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
)

// goLeaves walks configs.Config on its own (not through configLeaves):
// every exported field, recursing into structs except durations and
// times, named by Go field names.
func goLeaves(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if prefix != "" {
			name = prefix + "." + name
		}
		ft := f.Type
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[configs.Duration]() && ft != reflect.TypeFor[time.Time]() {
			out = append(out, goLeaves(ft, name)...)
			continue
		}
		out = append(out, name)
	}
	return out
}

// TestEverySettingClassified fails when a configs field is not classified
// as exactly one of Live, RestartOnly or Updater in the table the reload
// code applies, or when the table names a setting that does not exist.
func TestEverySettingClassified(t *testing.T) {
	want := goLeaves(reflect.TypeFor[configs.Config](), "")
	var got []string
	byKey := map[string]leaf{}
	for _, l := range configLeaves() {
		got = append(got, l.goPath)
		byKey[l.key] = l
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Fatalf("configLeaves walks %v,\nconfigs.Config has %v", got, want)
	}
	seen := map[string]int{}
	for _, s := range settings {
		seen[s.key]++
		if _, ok := byKey[s.key]; !ok {
			t.Errorf("the settings table classifies %q, which configs.Config does not have", s.key)
		}
		if s.apply != Live && s.apply != RestartOnly && s.apply != Updater {
			t.Errorf("%s: class %d is none of Live, RestartOnly, Updater", s.key, s.apply)
		}
		if s.ownLog && s.apply != Updater {
			t.Errorf("%s: ownLog is only for Updater settings", s.key)
		}
	}
	for key, l := range byKey {
		switch seen[key] {
		case 0:
			t.Errorf("configs field %s (%s) is not classified: add it to the settings table in settings.go as Live, RestartOnly or Updater", l.goPath, key)
		case 1:
		default:
			t.Errorf("%s is classified %d times", key, seen[key])
		}
	}
}

// TestChangesFollowTheTable: for every leaf, a change of that leaf alone is
// read as the table says: Updater restarts the child, RestartOnly is named,
// Live does neither. The values are made different by reflection, so a new
// field is covered without editing this test.
func TestChangesFollowTheTable(t *testing.T) {
	a := &App{socket: "/run/ddns/test.sock", o: Options{SocketFromFlag: false}}
	for _, l := range configLeaves() {
		s := settingFor(l.key)
		if s.changed != nil {
			continue // compared against the running state, tested on its own
		}
		t.Run(l.key, func(t *testing.T) {
			old := configs.Defaults()
			old.Supervisor.Socket = a.socket
			cfg := old
			v := reflect.ValueOf(&cfg).Elem().FieldByIndex(l.index)
			if !perturb(v) {
				t.Fatalf("perturb cannot change a %s: teach it, so the setting is covered", v.Type())
			}
			cs := a.changes(&old, &cfg)
			if cs.restartChild != (s.apply == Updater) {
				t.Errorf("restartChild %v for a %v setting", cs.restartChild, s.apply)
			}
			named := len(cs.later) > 0
			if named != (s.apply == RestartOnly || s.ownLog) {
				t.Errorf("named %v (%v) for a %v setting", named, cs.later, s.apply)
			}
		})
	}
}

// perturb sets v to a value different from its current one.
func perturb(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 7)
	case reflect.Slice:
		n := reflect.MakeSlice(v.Type(), v.Len()+1, v.Len()+1)
		reflect.Copy(n, v)
		v.Set(n)
	case reflect.Map:
		n := reflect.MakeMap(v.Type())
		for _, k := range v.MapKeys() {
			n.SetMapIndex(k, v.MapIndex(k))
		}
		k := reflect.New(v.Type().Key()).Elem()
		if k.Kind() != reflect.String {
			return false
		}
		k.SetString("added-by-test")
		n.SetMapIndex(k, reflect.New(v.Type().Elem()).Elem())
		v.Set(n)
	case reflect.Struct:
		switch x := v.Addr().Interface().(type) {
		case *configs.Duration:
			x.Duration += time.Second
		case *time.Time:
			*x = x.Add(time.Second)
		default:
			return false
		}
	default:
		return false
	}
	return true
}
