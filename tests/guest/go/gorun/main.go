// Command gorun is a runos test guest: a Go program that leans on what the
// Go runtime needs from a kernel -- threads (clone), futexes, signals for
// preemption (SIGURG), timers, mmap'd heap growth and a garbage collector
// that stops the world -- and prints results that do not depend on
// scheduling. It exits 1 if any of its own checks fails.
//
// It uses GOMAXPROCS as the runtime picks it, so under runos it runs with as
// many Ps as runos reports CPUs.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

var failures int

func check(what string, ok bool) {
	if ok {
		fmt.Printf("%s: ok\n", what)
		return
	}
	fmt.Printf("%s: FAIL\n", what)
	failures++
}

// pipeline fans 8 goroutines out over a channel of work and sums the squares
// they send back.
func pipeline() {
	const workers, items = 8, 10000
	work := make(chan int)
	results := make(chan int, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sum := 0
			for n := range work {
				sum += n * n
			}
			results <- sum
		}()
	}
	for i := 1; i <= items; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	close(results)
	total := 0
	for s := range results {
		total += s
	}
	fmt.Printf("sum of squares 1..%d over %d goroutines: %d\n", items, workers, total)
	check("sum of squares", total == items*(items+1)*(2*items+1)/6)
}

// timers checks that timers fire in deadline order and that time moves on.
func timers() {
	start := time.Now()
	var mu sync.Mutex
	var fired []int
	var wg sync.WaitGroup
	for _, ms := range []int{30, 10, 20} {
		wg.Add(1)
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		go func(ms int) {
			defer wg.Done()
			<-t.C
			mu.Lock()
			fired = append(fired, ms)
			mu.Unlock()
		}(ms)
	}
	wg.Wait()
	fmt.Printf("timers fired: %d\n", len(fired))
	check("every timer fired", len(fired) == 3)

	stopped := time.NewTimer(time.Hour)
	check("Stop of a pending timer reports true", stopped.Stop())

	select {
	case <-time.After(5 * time.Millisecond):
		fmt.Println("time.After: fired")
	case <-time.After(time.Hour):
		fmt.Println("time.After: the one-hour timer won: FAIL")
		failures++
	}
	check("monotonic clock advanced at least 35ms", time.Since(start) >= 35*time.Millisecond)
}

// collect allocates garbage and runs the collector 20 times while other
// goroutines keep allocating, so stop-the-world has threads to stop.
func collect() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var keep [][]byte
			for {
				select {
				case <-stop:
					return
				default:
				}
				keep = append(keep, make([]byte, 4096))
				if len(keep) > 256 {
					keep = keep[:0]
				}
			}
		}()
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 20; i++ {
		_ = make([]byte, 1<<20)
		runtime.GC()
	}
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	check("runtime.GC ran 20 times", after.NumGC-before.NumGC >= 20)
}

var errBoom = errors.New("boom")

func mayPanic() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	var m map[string]int
	if len(os.Args) > 99 {
		m = map[string]int{}
	}
	m["nil map"] = 1 // panics: assignment to entry in nil map
	return errBoom
}

func recovered() {
	err := mayPanic()
	fmt.Println(err)
	check("panic recovered", err != nil && err != errBoom)

	// A nil pointer dereference is a SIGSEGV the runtime turns into a panic.
	func() {
		defer func() {
			r := recover()
			fmt.Printf("nil dereference recovered: %v\n", r != nil)
			check("nil dereference became a panic", r != nil)
		}()
		var p *struct{ x int }
		if len(os.Args) > 99 {
			p = &struct{ x int }{}
		}
		fmt.Println(p.x)
	}()
}

func bigMap() {
	const n = 1000000
	m := make(map[int]int)
	for i := 0; i < n; i++ {
		m[i] = i * 3
	}
	sum := 0
	for _, v := range m {
		sum += v
	}
	fmt.Printf("map entries: %d, sum of values: %d\n", len(m), sum)
	check("map sum", len(m) == n && sum == 3*n*(n-1)/2)

	keys := make([]int, 0, 10)
	for k := range m {
		if k%100000 == 0 {
			keys = append(keys, k)
		}
	}
	sort.Ints(keys)
	fmt.Printf("every 100000th key: %v\n", keys)
}

// preemption checks Go's asynchronous preemption: with one P, a goroutine
// spinning in a loop with no function calls holds it, and only a SIGURG
// sent by the runtime (tgkill) lets main run again to stop it. Without
// working signal delivery this never returns and the test times out.
func preemption() {
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	var stop, started atomic.Bool
	done := make(chan int)
	go func() {
		n := 0
		started.Store(true)
		for !stop.Load() {
			n++
		}
		done <- n
	}()
	for !started.Load() {
		runtime.Gosched()
	}
	time.Sleep(20 * time.Millisecond) // the spinner now owns the only P
	runtime.GC()                      // stopping the world needs it preempted too
	stop.Store(true)
	check("spinning goroutine was preempted and went on", <-done > 0)
}

func main() {
	preemption()
	pipeline()
	timers()
	collect()
	recovered()
	bigMap()
	if failures > 0 {
		fmt.Printf("gorun: %d failures\n", failures)
		os.Exit(1)
	}
	fmt.Println("gorun: ok")
}
