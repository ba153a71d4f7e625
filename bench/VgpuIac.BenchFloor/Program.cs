// Prints a handshake-shaped line and waits, like a plugin that has nothing to do: the start-up floor of the runtime.
Console.Out.WriteLine("1|6|tcp|127.0.0.1:1|grpc|floor");
Console.Out.Flush();
Thread.Sleep(Timeout.Infinite);
