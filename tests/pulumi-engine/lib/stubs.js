'use strict';
// The generated gRPC stubs that ship inside npm @pulumi/pulumi: the closest thing to the real engine without the CLI.
// grpc-js is resolved from @pulumi/pulumi's own folder so the stubs and the client share one instance.
const path = require('path');

const base = path.dirname(require.resolve('@pulumi/pulumi/package.json'));
const grpc = require(require.resolve('@grpc/grpc-js', { paths: [base] }));
const providerGrpc = require('@pulumi/pulumi/proto/provider_grpc_pb.js');
const providerPb = require('@pulumi/pulumi/proto/provider_pb.js');
const pluginPb = require('@pulumi/pulumi/proto/plugin_pb.js');
const engineGrpc = require('@pulumi/pulumi/proto/engine_grpc_pb.js');
const resourceGrpc = require('@pulumi/pulumi/proto/resource_grpc_pb.js');
const resourcePb = require('@pulumi/pulumi/proto/resource_pb.js');
const statusPb = require('@pulumi/pulumi/proto/status_pb.js');
const { Empty } = require(require.resolve('google-protobuf/google/protobuf/empty_pb.js', { paths: [base] }));
const { Struct } = require(require.resolve('google-protobuf/google/protobuf/struct_pb.js', { paths: [base] }));

module.exports = { grpc, providerGrpc, providerPb, pluginPb, engineGrpc, resourceGrpc, resourcePb, statusPb, Empty, Struct };
