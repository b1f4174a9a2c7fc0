// Package suppliers is a thin helper over the generated suppliersv1 stubs:
// one connection with the three service clients, the google.rpc error
// details the server attaches to every error, and streaming upload and
// download of part drawings checked by SHA-256.
package suppliers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/suppliers-grpc/suppliers/client/go/suppliersv1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrorDomain is ErrorInfo.domain of every error the server sends.
const ErrorDomain = "suppliers.v1"

// UploadChunkBytes is the chunk size UploadDrawing sends (the server
// accepts at most 4 MiB per message).
const UploadChunkBytes = 1 << 20

// Client holds one connection and a client of each service.
type Client struct {
	Conn     *grpc.ClientConn
	Vendors  suppliersv1.VendorServiceClient
	Parts    suppliersv1.PartServiceClient
	Drawings suppliersv1.DrawingServiceClient
}

// Dial connects to target ("host:port", or "dns:///name:port" to spread
// calls over every address of the name). Without options the connection is
// plaintext; pass grpc.WithTransportCredentials(...) (and per-RPC
// credentials for a server that requires tokens) to use TLS instead. The
// connection gets the default service config (ServiceConfig: round_robin,
// retries of reads, 30 s cap on unary calls) and ignores one from DNS; a
// later grpc.WithDefaultServiceConfig (or WithLoadBalancing) replaces it.
func Dial(target string, opts ...grpc.DialOption) (*Client, error) {
	if len(opts) == 0 {
		opts = []grpc.DialOption{grpc.WithInsecure()}
	}
	opts = append([]grpc.DialOption{
		grpc.WithDefaultServiceConfig(ServiceConfig),
		grpc.WithDisableServiceConfig(),
	}, opts...)
	conn, err := grpc.Dial(target, opts...)
	if err != nil {
		return nil, err
	}
	return &Client{
		Conn:     conn,
		Vendors:  suppliersv1.NewVendorServiceClient(conn),
		Parts:    suppliersv1.NewPartServiceClient(conn),
		Drawings: suppliersv1.NewDrawingServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.Conn.Close() }

// Details is what the server says about a failed call: the status code and
// message, and the google.rpc details of grpc-status-details-bin.
type Details struct {
	Code    codes.Code
	Message string
	// Reason (e.g. "INVALID_FIELD", "VENDOR_NOT_FOUND", "ETAG_MISMATCH"),
	// domain "suppliers.v1" and metadata. Present on every server error.
	ErrorInfo *errdetails.ErrorInfo
	// Field violations of INVALID_ARGUMENT errors; nil otherwise.
	BadRequest *errdetails.BadRequest
}

// Field returns the first field named by BadRequest, or "".
func (d *Details) Field() string {
	if d == nil || d.BadRequest == nil || len(d.BadRequest.FieldViolations) == 0 {
		return ""
	}
	return d.BadRequest.FieldViolations[0].Field
}

// Reason returns ErrorInfo.reason, or "".
func (d *Details) Reason() string {
	if d == nil || d.ErrorInfo == nil {
		return ""
	}
	return d.ErrorInfo.Reason
}

// ErrorDetails decodes err's gRPC status and its google.rpc details. It
// returns nil when err is nil or not a gRPC status error.
func ErrorDetails(err error) *Details {
	if err == nil {
		return nil
	}
	s, ok := status.FromError(err)
	if !ok {
		return nil
	}
	d := &Details{Code: s.Code(), Message: s.Message()}
	for _, detail := range s.Details() {
		switch v := detail.(type) {
		case *errdetails.ErrorInfo:
			d.ErrorInfo = v
		case *errdetails.BadRequest:
			d.BadRequest = v
		}
	}
	return d
}

// UploadDrawing streams the bytes of r as part partID's drawing with the
// given extension ("png", 1..5 letters or digits) and returns the server's
// answer. When r is also an io.Seeker, it is read twice: first to declare
// total_size and sha256 in the header, so the server itself refuses (and
// does not store) a drawing that arrives different. In every case the last
// message sets finish_write, and the SHA-256 the server reports is checked
// against the bytes sent.
func UploadDrawing(ctx context.Context, c suppliersv1.DrawingServiceClient, partID int32, extension string, r io.Reader) (*suppliersv1.UploadDrawingResponse, error) {
	header := &suppliersv1.DrawingUploadHeader{PartId: partID, FileExtension: extension}
	if seeker, ok := r.(io.Seeker); ok {
		start, err := seeker.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			return nil, err
		}
		if _, err := seeker.Seek(start, io.SeekStart); err != nil {
			return nil, err
		}
		header.TotalSize = &n
		header.Sha256 = hex.EncodeToString(h.Sum(nil))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // on an early return, ends the stream without committing
	stream, err := c.UploadDrawing(ctx)
	if err != nil {
		return nil, err
	}
	send := func(m *suppliersv1.UploadDrawingRequest) error {
		if err := stream.Send(m); err != nil {
			if err == io.EOF { // the server ended the call: its status says why
				_, err = stream.CloseAndRecv()
			}
			return err
		}
		return nil
	}
	if err := send(&suppliersv1.UploadDrawingRequest{Payload: &suppliersv1.UploadDrawingRequest_Header{Header: header}}); err != nil {
		return nil, err
	}
	h := sha256.New()
	buf := make([]byte, UploadChunkBytes)
	for {
		n, readErr := io.ReadFull(r, buf)
		if n > 0 {
			h.Write(buf[:n])
			chunk := append([]byte(nil), buf[:n]...)
			if err := send(&suppliersv1.UploadDrawingRequest{Payload: &suppliersv1.UploadDrawingRequest_Chunk{Chunk: chunk}}); err != nil {
				return nil, err
			}
		}
		if readErr == io.EOF || readErr == io.ErrUnexpectedEOF {
			break
		}
		if readErr != nil {
			return nil, readErr
		}
	}
	if err := send(&suppliersv1.UploadDrawingRequest{FinishWrite: true}); err != nil {
		return nil, err
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return nil, err
	}
	if want := hex.EncodeToString(h.Sum(nil)); resp.GetMetadata().GetSha256() != want {
		return resp, fmt.Errorf("upload: server stored SHA-256 %s, sent %s", resp.GetMetadata().GetSha256(), want)
	}
	return resp, nil
}

// ErrChecksum is returned by DownloadDrawing when the bytes received do not
// match the drawing's size or SHA-256.
var ErrChecksum = errors.New("download: bytes do not match the drawing's metadata")

// DownloadDrawing streams req's range of a drawing into w and returns its
// metadata (the first message). The byte count must equal range_length;
// when the whole drawing is read, its SHA-256 must equal the metadata's,
// else the error wraps ErrChecksum.
func DownloadDrawing(ctx context.Context, c suppliersv1.DrawingServiceClient, req *suppliersv1.DownloadDrawingRequest, w io.Writer) (*suppliersv1.DrawingMetadata, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.DownloadDrawing(ctx, req)
	if err != nil {
		return nil, err
	}
	first, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	meta := first.GetMetadata()
	if meta == nil {
		return nil, errors.New("download: first message has no metadata")
	}
	h := sha256.New()
	var n int64
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return meta, err
		}
		chunk := m.GetChunk()
		h.Write(chunk)
		n += int64(len(chunk))
		if _, err := w.Write(chunk); err != nil {
			return meta, err
		}
	}
	if n != meta.RangeLength {
		return meta, fmt.Errorf("%w: %d bytes, range_length %d", ErrChecksum, n, meta.RangeLength)
	}
	if meta.RangeOffset == 0 && n == meta.SizeBytes {
		if got := hex.EncodeToString(h.Sum(nil)); got != meta.Sha256 {
			return meta, fmt.Errorf("%w: SHA-256 %s, metadata %s", ErrChecksum, got, meta.Sha256)
		}
	}
	return meta, nil
}
