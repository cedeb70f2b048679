package pty

// Termios is a terminal's settings, as termios(3) describes them: four
// flag words and the control characters. The bits are numbered as System
// V numbers them, which Linux's struct termios also does; the layout in
// guest memory (and any translation for an ABI that numbers them
// otherwise) is the personality's business.
type Termios struct {
	Iflag, Oflag, Cflag, Lflag uint32
	Line                       uint8
	CC                         [NCCS]byte
}

// NCCS is the number of control characters kept.
const NCCS = 19

// Indexes into Termios.CC (termios(3)).
const (
	VINTR    = 0
	VQUIT    = 1
	VERASE   = 2
	VKILL    = 3
	VEOF     = 4
	VTIME    = 5
	VMIN     = 6
	VSWTC    = 7
	VSTART   = 8
	VSTOP    = 9
	VSUSP    = 10
	VEOL     = 11
	VREPRINT = 12
	VDISCARD = 13
	VWERASE  = 14
	VLNEXT   = 15
	VEOL2    = 16
)

// Input flags (c_iflag).
const (
	IGNBRK  = 0o1
	BRKINT  = 0o2
	ISTRIP  = 0o40
	INLCR   = 0o100
	IGNCR   = 0o200
	ICRNL   = 0o400
	IXON    = 0o2000
	IMAXBEL = 0o20000
	IUTF8   = 0o40000
)

// Output flags (c_oflag).
const (
	OPOST  = 0o1
	ONLCR  = 0o4
	OCRNL  = 0o10
	ONOCR  = 0o20
	ONLRET = 0o40
)

// Control flags (c_cflag): the speed 38400 baud, 8-bit characters, the
// receiver on, hang up on last close. The discipline applies none of them.
const (
	B38400 = 0o17
	CS8    = 0o60
	CREAD  = 0o200
	HUPCL  = 0o2000
)

// Local flags (c_lflag).
const (
	ISIG    = 0o1
	ICANON  = 0o2
	ECHO    = 0o10
	ECHOE   = 0o20
	ECHOK   = 0o40
	ECHONL  = 0o100
	NOFLSH  = 0o200
	TOSTOP  = 0o400
	ECHOCTL = 0o1000
	ECHOKE  = 0o4000
	IEXTEN  = 0o100000
)

// disabled is _POSIX_VDISABLE: a control character set to it is off.
const disabled = 0

// defaultTermios is what a new slave starts with: Linux's standard
// terminal settings (cooked mode, echo, signals, CR to NL on input, NL to
// CR-NL on output) and the usual control characters (^C ^\ DEL ^U ^D, one
// byte minimum, ^Q ^S ^Z ^R ^O ^W ^V).
func defaultTermios() Termios {
	return Termios{
		Iflag: ICRNL | IXON,
		Oflag: OPOST | ONLCR,
		Cflag: B38400 | CS8 | CREAD,
		Lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
		CC: [NCCS]byte{
			VINTR: 0x03, VQUIT: 0x1c, VERASE: 0x7f, VKILL: 0x15, VEOF: 0x04,
			VTIME: 0, VMIN: 1, VSTART: 0x11, VSTOP: 0x13, VSUSP: 0x1a,
			VREPRINT: 0x12, VDISCARD: 0x0f, VWERASE: 0x17, VLNEXT: 0x16,
		},
	}
}

// WindowSize is struct winsize (tty_ioctl(4), TIOCGWINSZ).
type WindowSize struct {
	Rows, Cols, XPixel, YPixel uint16
}
