// The go-plugin client side of `make bench`: launches a plugin binary the way Terraform does (go-plugin client,
// AutoMTLS, protocol 6) and prints, per launch, microseconds from exec to the parsed handshake line ("start"), to a
// connected client ("connect"), and from Kill (GRPCController.Shutdown, then waiting for the process to exit) to the
// exit ("exit"), as tab-separated columns: start connect exit graceful(1/0).
package main

import (
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"os/exec"
	"strconv"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

type nopPlugin struct{ plugin.Plugin }

func (nopPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }

func (nopPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: goplugin-client RUNS BINARY [ARGS...]")
		os.Exit(2)
	}
	runs, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	trace := os.Getenv("GOPLUGIN_CLIENT_TRACE") == "1"
	for i := 0; i < runs; i++ {
		cmd := exec.Command(os.Args[2], os.Args[3:]...)
		var stderr io.Writer = ioutil.Discard
		if trace {
			stderr = os.Stderr
		}
		client := plugin.NewClient(&plugin.ClientConfig{
			HandshakeConfig: plugin.HandshakeConfig{
				ProtocolVersion:  6,
				MagicCookieKey:   "TF_PLUGIN_MAGIC_COOKIE",
				MagicCookieValue: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
			},
			VersionedPlugins: map[int]plugin.PluginSet{6: {"provider": nopPlugin{}}},
			Cmd:              cmd,
			AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
			AutoMTLS:         true,
			Managed:          false,
			Logger:           hclog.New(&hclog.LoggerOptions{Output: ioutil.Discard, Level: hclog.Error}),
			Stderr:           stderr,
		})
		t0 := time.Now()
		if trace {
			fmt.Fprintf(os.Stderr, "client-trace exec wall=%d\n", t0.UnixMicro())
		}
		if _, err := client.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "start:", err)
			client.Kill()
			os.Exit(1)
		}
		t1 := time.Now()
		protocol, err := client.Client()
		if err != nil {
			fmt.Fprintln(os.Stderr, "connect:", err)
			client.Kill()
			os.Exit(1)
		}
		if err := protocol.Ping(); err != nil {
			fmt.Fprintln(os.Stderr, "first rpc:", err)
			client.Kill()
			os.Exit(1)
		}
		t2 := time.Now()
		if trace {
			fmt.Fprintf(os.Stderr, "client-trace handshake +%.2f rpc +%.2f\n", float64(t1.Sub(t0).Microseconds())/1000, float64(t2.Sub(t0).Microseconds())/1000)
		}
		client.Kill()
		t3 := time.Now()
		if trace {
			fmt.Fprintf(os.Stderr, "client-trace kill +%.2f exited +%.2f\n", float64(t2.Sub(t0).Microseconds())/1000, float64(t3.Sub(t0).Microseconds())/1000)
		}
		graceful := 1
		if cmd.ProcessState == nil || !cmd.ProcessState.Exited() {
			graceful = 0
		}
		fmt.Printf("%d\t%d\t%d\t%d\n", t1.Sub(t0).Microseconds(), t2.Sub(t0).Microseconds(), t3.Sub(t2).Microseconds(), graceful)
	}
}
