// Command chanbench measures Go's own goroutines and channels on one OS thread
// (GOMAXPROCS=1), as a reference for tinyrtos's Go bridge benchmarks (bench/go.ts).
//
// It is a standalone program with no module and no dependencies; the project does
// not depend on it. Run it from the repository root:
//
//	go run bench/reference/go/chanbench.go
//
// It prints one JSON line per figure, {"name":"ref.go.<figure>","value":...,"unit":...},
// where <figure> is the name of the matching figure of bench/go.ts (go.<figure>).
// Each figure is the median of 5 runs after 2 warm-up runs, with the same
// iteration counts as bench/go.ts; parked.bytes runs each time in a fresh child
// process (see parkedRuns), after 1 warm-up run. The whole program takes about
// half a minute and needs about 3 GB of memory for the parked goroutines.
// bench/go.ts's go.isr.wake has no equivalent here: a Go program has no
// interrupt handlers.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	runs   = 5 // measured runs per figure (the median is reported)
	warmup = 2 // discarded runs before them
)

type figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// median returns the median of runs calls of measure, after warmups discarded calls.
func median(warmups int, measure func() float64) float64 {
	for i := 0; i < warmups; i++ {
		measure()
	}
	values := make([]float64, runs)
	for i := range values {
		values[i] = measure()
	}
	sort.Float64s(values)
	return values[len(values)/2]
}

// round keeps a sensible number of digits, like bench/harness.ts.
func round(v float64) float64 {
	digits := 4
	switch a := math.Abs(v); {
	case a >= 100:
		digits = 0
	case a >= 1:
		digits = 2
	}
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func emit(name string, value float64, unit string) {
	line, err := json.Marshal(figure{Name: "ref.go." + name, Value: round(value), Unit: unit})
	if err != nil {
		fail(err)
	}
	fmt.Println(string(line))
}

// pingpong: ns per one-way message, two goroutines bouncing a value through two
// unbuffered channels (the echo goroutine exits when ping is closed).
func pingpong() float64 {
	const roundTrips = 500_000
	ping := make(chan int)
	pong := make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	t0 := time.Now()
	for i := 0; i < roundTrips; i++ {
		ping <- i
		<-pong
	}
	ns := float64(time.Since(t0).Nanoseconds()) / (2 * roundTrips)
	close(ping)
	return ns
}

// prodcons: ns per message, a producer and a consumer through a buffered channel of 128.
func prodcons() float64 {
	const messages = 2_000_000
	c := make(chan int, 128)
	done := make(chan int)
	go func() {
		sum := 0
		for i := 0; i < messages; i++ {
			sum += <-c
		}
		done <- sum
	}()
	t0 := time.Now()
	for i := 0; i < messages; i++ {
		c <- i
	}
	<-done
	return float64(time.Since(t0).Nanoseconds()) / messages
}

// spawn: ns per go statement + goroutine exit, one at a time.
func spawn() float64 {
	const spawns = 200_000
	done := make(chan struct{})
	body := func() { done <- struct{}{} }
	t0 := time.Now()
	for i := 0; i < spawns; i++ {
		go body()
		<-done
	}
	return float64(time.Since(t0).Nanoseconds()) / spawns
}

// select2: ns per select over two channels with one ready.
func select2() float64 {
	const selects = 1_000_000
	ready := make(chan int, 1)
	idle := make(chan int)
	t0 := time.Now()
	for i := 0; i < selects; i++ {
		ready <- i
		select {
		case <-idle:
		case <-ready:
		}
	}
	return float64(time.Since(t0).Nanoseconds()) / selects
}

// parked: bytes (stack in use + heap in use) per goroutine blocked on a channel
// receive, with 1,000,000 goroutines. Measured in a fresh process (see parkedRuns).
func parked() float64 {
	const count = 1_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := make(chan int)
	var started sync.WaitGroup
	started.Add(count)
	for i := 0; i < count; i++ {
		go func() {
			started.Done()
			<-c
		}()
	}
	started.Wait()
	time.Sleep(10 * time.Millisecond) // let the last ones reach the receive
	runtime.GC()
	runtime.ReadMemStats(&after)
	return float64((after.StackInuse+after.HeapInuse)-(before.StackInuse+before.HeapInuse)) / count
}

// parkedRuns runs parked() in a child process per run and returns the median.
// A fresh process per run because since Go 1.19 the runtime sizes new goroutine
// stacks from the average stack use it has seen (GODEBUG adaptivestackstart=1):
// after one million parked goroutines, or after the other benchmarks, new
// goroutines start with 4 KiB stacks instead of 2 KiB, so a second run in the
// same process would measure that history rather than a goroutine.
func parkedRuns() float64 {
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	return median(1, func() float64 {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), parkedChildEnv+"=1")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			fail(fmt.Errorf("parked child: %w", err))
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			fail(fmt.Errorf("parked child printed %q: %w", out, err))
		}
		return v
	})
}

const parkedChildEnv = "CHANBENCH_PARKED_CHILD"

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chanbench:", err)
	os.Exit(1)
}

func main() {
	runtime.GOMAXPROCS(1)
	if os.Getenv(parkedChildEnv) == "1" {
		fmt.Println(parked())
		return
	}
	emit("pingpong.unbuffered", median(warmup, pingpong), "ns/msg")
	emit("prodcons.buf128", median(warmup, prodcons), "ns/msg")
	emit("spawn", median(warmup, spawn), "ns/spawn")
	emit("select2.ready", median(warmup, select2), "ns/select")
	emit("parked.bytes", parkedRuns(), "bytes/goroutine")
}
