// Command watch follows the change feed (ChangeFeedService.WatchChanges):
// one line per committed change of vendors, parts, their links and drawings,
// made by anyone (the API, psql). It runs until interrupted, or until
// -count events; on an error it prints the checkpoint to resume from
// (-after).
//
// Usage: watch -target 127.0.0.1:50051 [-after N] [-count N]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/suppliers-grpc/suppliers/client/go/suppliers"
	pb "github.com/suppliers-grpc/suppliers/client/go/suppliersv1"
)

var (
	target = flag.String("target", "127.0.0.1:50051", "server address host:port, or dns:///name:port for every replica of name")
	after  = flag.Int64("after", -1, "resume after this sequence, a checkpoint (default: changes from now on)")
	count  = flag.Int("count", 0, "stop after this many events (0: until interrupted)")
)

func describe(e *pb.ChangeEvent) string {
	op := strings.ToLower(strings.TrimPrefix(e.Operation.String(), "CHANGE_OPERATION_"))
	kind := strings.ToLower(strings.TrimPrefix(e.Kind.String(), "RESOURCE_KIND_"))
	line := fmt.Sprintf("%d %s %s", e.Sequence, op, kind)
	if e.PartId != 0 {
		line += fmt.Sprintf(" part_id=%d", e.PartId)
	}
	if e.VendorId != 0 {
		line += fmt.Sprintf(" vendor_id=%d", e.VendorId)
	}
	switch r := e.Resource.(type) {
	case *pb.ChangeEvent_Vendor:
		line += fmt.Sprintf(" %q", r.Vendor.VendorName)
	case *pb.ChangeEvent_Part:
		line += fmt.Sprintf(" %q", r.Part.PartName)
	case *pb.ChangeEvent_Drawing:
		line += fmt.Sprintf(" %s %d bytes", r.Drawing.FileExtension, r.Drawing.SizeBytes)
	}
	return line
}

func main() {
	flag.Parse()
	c, err := suppliers.Dial(*target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	defer c.Close()
	// No deadline: a watch lasts until its context is cancelled (here by
	// Ctrl-C or -count).
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	changes := pb.NewChangeFeedServiceClient(c.Conn)
	request := &pb.WatchChangesRequest{}
	if *after >= 0 { // absent: from now on; 0: from the first event
		request.AfterSequence = after
	}
	stream, err := changes.WatchChanges(ctx, request)
	checkpoint, seen := *after, 0
	for err == nil {
		var message *pb.WatchChangesResponse
		if message, err = stream.Recv(); err != nil {
			break
		}
		// A message without events is a heartbeat: only the checkpoint moves.
		for _, e := range message.Events {
			fmt.Println(describe(e))
			seen++
			checkpoint = e.Sequence
			if *count > 0 && seen == *count {
				return
			}
		}
		checkpoint = message.CheckpointSequence
	}
	if ctx.Err() != nil {
		fmt.Fprintf(os.Stderr, "resume with -after %d\n", checkpoint)
		return
	}
	d := suppliers.ErrorDetails(err)
	if d == nil {
		fmt.Fprintf(os.Stderr, "error: %v; resume with -after %d\n", err, checkpoint)
	} else {
		fmt.Fprintf(os.Stderr, "error: %s: %s (%s); resume with -after %d\n", d.Code, d.Message, d.Reason(), checkpoint)
	}
	os.Exit(1)
}
