package dataset

// Category is the attack category of a record, as the NSL-KDD literature
// groups attack names (Tavallaee et al. 2009).
type Category uint8

const (
	// Normal is benign traffic.
	Normal Category = iota
	// DoS is denial of service (neptune, smurf, back, teardrop, …).
	DoS
	// Probe is surveillance and probing (satan, ipsweep, nmap, portsweep, …).
	Probe
	// R2L is unauthorised access from a remote machine (guess_passwd, …).
	R2L
	// U2R is unauthorised access to local superuser privileges
	// (buffer_overflow, rootkit, …).
	U2R
	// Unknown is an attack name the category map does not know; loaders
	// count such rows instead of guessing a category.
	Unknown
)

// NumCategories is the number of known categories (Normal through U2R),
// the class count of NSL-KDD's 5-class problem.
const NumCategories = 5

var categoryNames = [...]string{"normal", "DoS", "Probe", "R2L", "U2R", "unknown"}

// String returns "normal", "DoS", "Probe", "R2L", "U2R" or "unknown".
func (c Category) String() string {
	if int(c) < len(categoryNames) {
		return categoryNames[c]
	}
	return "unknown"
}
