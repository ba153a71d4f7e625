// The start-up baseline for `make bench`: the smallest Terraform provider process HashiCorp's go-plugin can serve.
// It speaks the go-plugin handshake (magic cookie, protocol 6, AutoMTLS, GRPCController/GRPCStdio/health) and
// registers no provider service: the bench times process start -> handshake line and Shutdown -> exit only.
package main

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

type nopPlugin struct{ plugin.Plugin }

func (nopPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }

func (nopPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, nil
}

func main() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  6,
			MagicCookieKey:   "TF_PLUGIN_MAGIC_COOKIE",
			MagicCookieValue: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
		},
		VersionedPlugins: map[int]plugin.PluginSet{6: {"provider": nopPlugin{}}},
		GRPCServer:       plugin.DefaultGRPCServer,
	})
}
