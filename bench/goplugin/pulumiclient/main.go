// The Pulumi side of the start-up bench: launches a Pulumi resource provider plugin the way the Pulumi engine does (it
// prints its port on stdout) and prints, per launch, microseconds from exec to the port line ("port") and from exec to the
// first RPC answered ("rpc": pulumirpc.ResourceProvider/GetPluginInfo over cleartext HTTP/2), then kills the plugin.
// The port line alone could flatter a plugin that prints it before it serves, so both are printed: port rpc.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
)

// rawCodec sends and receives protobuf bytes as they are (GetPluginInfo takes google.protobuf.Empty: no bytes).
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "raw" }

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-client RUNS BINARY [ARGS...]")
		os.Exit(2)
	}
	runs, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	encoding.RegisterCodec(rawCodec{})
	for i := 0; i < runs; i++ {
		cmd := exec.Command(os.Args[2], os.Args[3:]...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "start:", err)
			os.Exit(1)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		t1 := time.Now()
		if err != nil {
			fmt.Fprintln(os.Stderr, "port line:", err)
			cmd.Process.Kill()
			os.Exit(1)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		conn, err := grpc.DialContext(ctx, "127.0.0.1:"+strings.TrimSpace(line), grpc.WithInsecure(), grpc.WithDefaultCallOptions(grpc.CallContentSubtype("raw")))
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			cmd.Process.Kill()
			os.Exit(1)
		}
		in, out := []byte{}, []byte{}
		if err := conn.Invoke(ctx, "/pulumirpc.ResourceProvider/GetPluginInfo", &in, &out); err != nil {
			fmt.Fprintln(os.Stderr, "first rpc:", err)
			cmd.Process.Kill()
			os.Exit(1)
		}
		t2 := time.Now()
		cancel()
		conn.Close()
		cmd.Process.Kill()
		cmd.Wait()
		fmt.Printf("%d\t%d\n", t1.Sub(t0).Microseconds(), t2.Sub(t0).Microseconds())
	}
}
