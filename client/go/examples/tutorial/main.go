// Command tutorial replays the suppliers tutorial against a fresh server
// through the Go client, checking every result: vendors, parts and their
// links, pages, etags, a streamed drawing checked by SHA-256, errors with
// their google.rpc details, deletes. It expects an empty database (ids
// start at 1) and exits 1 at the first result that differs.
//
// Usage: tutorial -target 127.0.0.1:50051 [-drawing_bytes N]
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"time"

	"github.com/suppliers-grpc/suppliers/client/go/suppliers"
	pb "github.com/suppliers-grpc/suppliers/client/go/suppliersv1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

var (
	target       = flag.String("target", "127.0.0.1:50051", "server address host:port, or dns:///name:port for every replica of name")
	drawingBytes = flag.Int("drawing_bytes", 3<<20+12345, "size of the pseudo-random drawing uploaded")
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// expect checks that got equals want (reflect.DeepEqual) and prints the step.
func expect(what string, got, want interface{}) {
	if !reflect.DeepEqual(got, want) {
		fail("%s: got %#v, want %#v", what, got, want)
	}
	fmt.Println("ok -", what)
}

func must(what string, err error) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func vendorIDs(vs []*pb.Vendor) []int32 {
	ids := []int32{}
	for _, v := range vs {
		ids = append(ids, v.VendorId)
	}
	return ids
}

func vendorNames(vs []*pb.Vendor) []string {
	names := []string{}
	for _, v := range vs {
		names = append(names, v.VendorName)
	}
	return names
}

func main() {
	flag.Parse()
	c, err := suppliers.Dial(*target)
	must("dial", err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// --- Vendors ---------------------------------------------------------------
	cv, err := c.Vendors.CreateVendor(ctx, &pb.CreateVendorRequest{Vendor: &pb.Vendor{VendorName: "3M Co."}})
	must("CreateVendor", err)
	expect("CreateVendor 3M Co. -> vendor 1", []interface{}{cv.Vendor.VendorId, cv.Vendor.VendorName}, []interface{}{int32(1), "3M Co."})
	etag1 := cv.Vendor.Etag
	expect("CreateVendor returns an etag", etag1 != "", true)

	six := []string{"AKM Semiconductor Inc.", "Asahi Glass Co Ltd.", "Daikin Industries Ltd.",
		"Dynacast International Inc.", "Foster Electric Co. Ltd.", "Murata Manufacturing Co. Ltd."}
	batch := &pb.BatchCreateVendorsRequest{}
	for _, n := range six {
		batch.Vendors = append(batch.Vendors, &pb.Vendor{VendorName: n})
	}
	bv, err := c.Vendors.BatchCreateVendors(ctx, batch)
	must("BatchCreateVendors", err)
	expect("BatchCreateVendors: ids 2..7", vendorIDs(bv.Vendors), []int32{2, 3, 4, 5, 6, 7})
	expect("BatchCreateVendors: names in request order", vendorNames(bv.Vendors), six)

	gv, err := c.Vendors.GetVendor(ctx, &pb.GetVendorRequest{VendorId: 4})
	must("GetVendor", err)
	expect("GetVendor 4", gv.Vendor.VendorName, "Daikin Industries Ltd.")

	// Pagination: follow next_page_token until it is empty.
	var pages [][]int32
	token := ""
	for {
		lv, err := c.Vendors.ListVendors(ctx, &pb.ListVendorsRequest{
			PageSize: 3, OrderBy: pb.VendorOrder_VENDOR_ORDER_NAME_DESC, PageToken: token})
		must("ListVendors", err)
		pages = append(pages, vendorIDs(lv.Vendors))
		if token = lv.NextPageToken; token == "" {
			break
		}
	}
	expect("ListVendors: 3 pages of 3, name descending", pages, [][]int32{{7, 6, 5}, {4, 3, 2}, {1}})
	lv, err := c.Vendors.ListVendors(ctx, &pb.ListVendorsRequest{OrderBy: pb.VendorOrder_VENDOR_ORDER_ID_DESC, NameContains: "co."})
	must("ListVendors name_contains", err)
	expect("ListVendors name_contains co., id descending", vendorIDs(lv.Vendors), []int32{7, 6, 1})

	bg, err := c.Vendors.BatchGetVendors(ctx, &pb.BatchGetVendorsRequest{VendorIds: []int32{7, 1, 7}})
	must("BatchGetVendors", err)
	expect("BatchGetVendors: request order, duplicates kept", vendorIDs(bg.Vendors), []int32{7, 1, 7})

	// Update with the etag read at creation; a second update with the same
	// (now stale) etag is ABORTED, reason ETAG_MISMATCH.
	mask := &fieldmaskpb.FieldMask{Paths: []string{"vendor_name"}}
	uv, err := c.Vendors.UpdateVendor(ctx, &pb.UpdateVendorRequest{
		Vendor: &pb.Vendor{VendorId: 1, VendorName: "3M Corp", Etag: etag1}, UpdateMask: mask})
	must("UpdateVendor", err)
	expect("UpdateVendor 1 -> 3M Corp, updated_rows 1", []interface{}{uv.Vendor.VendorName, uv.UpdatedRows}, []interface{}{"3M Corp", int32(1)})
	expect("UpdateVendor moves the etag", uv.Vendor.Etag != etag1, true)
	_, err = c.Vendors.UpdateVendor(ctx, &pb.UpdateVendorRequest{
		Vendor: &pb.Vendor{VendorId: 1, VendorName: "3M Stale", Etag: etag1}, UpdateMask: mask})
	d := suppliers.ErrorDetails(err)
	expect("UpdateVendor with a stale etag: ABORTED ETAG_MISMATCH", []interface{}{d.Code, d.Reason()}, []interface{}{codes.Aborted, "ETAG_MISMATCH"})

	// --- Parts -----------------------------------------------------------------
	p1, err := c.Parts.CreatePart(ctx, &pb.CreatePartRequest{Part: &pb.Part{PartName: "SIM Tray", VendorIds: []int32{1, 2}}})
	must("CreatePart", err)
	expect("CreatePart SIM Tray -> part 1, vendors 1, 2", []interface{}{p1.Part.PartId, p1.Part.VendorIds}, []interface{}{int32(1), []int32{1, 2}})
	p2, err := c.Parts.CreatePart(ctx, &pb.CreatePartRequest{Part: &pb.Part{PartName: "Speaker", VendorIds: []int32{4, 3}}})
	must("CreatePart", err)
	expect("CreatePart Speaker -> part 2, vendor ids ascending", []interface{}{p2.Part.PartId, p2.Part.VendorIds}, []interface{}{int32(2), []int32{3, 4}})

	up, err := c.Parts.UpdatePart(ctx, &pb.UpdatePartRequest{
		Part: &pb.Part{PartId: 1, PartName: "Nano SIM Tray", Etag: p1.Part.Etag}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"part_name"}}})
	must("UpdatePart", err)
	expect("UpdatePart 1 -> Nano SIM Tray (etag), links unchanged", []interface{}{up.Part.PartName, up.Part.VendorIds}, []interface{}{"Nano SIM Tray", []int32{1, 2}})

	ap, err := c.Parts.AddPartVendors(ctx, &pb.AddPartVendorsRequest{PartId: 1, VendorIds: []int32{2, 5}})
	must("AddPartVendors", err)
	expect("AddPartVendors: one new link (2 was linked)", []interface{}{ap.Part.VendorIds, ap.AddedLinks}, []interface{}{[]int32{1, 2, 5}, int32(1)})
	rp, err := c.Parts.RemovePartVendors(ctx, &pb.RemovePartVendorsRequest{PartId: 1, VendorIds: []int32{1, 6}})
	must("RemovePartVendors", err)
	expect("RemovePartVendors: one link removed", []interface{}{rp.Part.VendorIds, rp.RemovedLinks}, []interface{}{[]int32{2, 5}, int32(1)})

	lp, err := c.Parts.ListParts(ctx, &pb.ListPartsRequest{OrderBy: pb.PartOrder_PART_ORDER_ID_DESC, PageSize: 1})
	must("ListParts", err)
	expect("ListParts id descending, page 1 of 2", []interface{}{lp.Parts[0].PartId, len(lp.Parts), lp.NextPageToken != ""}, []interface{}{int32(2), 1, true})
	lp, err = c.Parts.ListParts(ctx, &pb.ListPartsRequest{OrderBy: pb.PartOrder_PART_ORDER_ID_DESC, PageSize: 1, PageToken: lp.NextPageToken})
	must("ListParts page 2", err)
	expect("ListParts page 2 is the last", []interface{}{lp.Parts[0].PartId, lp.NextPageToken}, []interface{}{int32(1), ""})

	lb, err := c.Parts.ListPartsByVendor(ctx, &pb.ListPartsByVendorRequest{VendorId: 2})
	must("ListPartsByVendor", err)
	expect("ListPartsByVendor 2", []interface{}{len(lb.Parts), lb.Parts[0].PartName}, []interface{}{1, "Nano SIM Tray"})

	an, err := c.Parts.AddPartWithNewVendor(ctx, &pb.AddPartWithNewVendorRequest{PartName: "OLED", VendorName: "LG"})
	must("AddPartWithNewVendor", err)
	expect("AddPartWithNewVendor OLED/LG -> part 3, vendor 8", []interface{}{an.PartId, an.VendorId}, []interface{}{int32(3), int32(8)})

	pairs, err := c.Parts.ListPartVendorPairs(ctx, &pb.ListPartVendorPairsRequest{})
	must("ListPartVendorPairs", err)
	var got [][2]string
	for _, p := range pairs.Pairs {
		got = append(got, [2]string{p.PartName, p.VendorName})
	}
	expect("ListPartVendorPairs: the tutorial's join", got, [][2]string{
		{"Nano SIM Tray", "AKM Semiconductor Inc."}, {"Nano SIM Tray", "Dynacast International Inc."},
		{"OLED", "LG"}, {"Speaker", "Asahi Glass Co Ltd."}, {"Speaker", "Daikin Industries Ltd."}})

	// --- Drawings: a few MiB of pseudo-random bytes, up and down --------------
	data := make([]byte, *drawingBytes)
	rand.New(rand.NewSource(12)).Read(data)
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	started := time.Now()
	ud, err := suppliers.UploadDrawing(ctx, c.Drawings, 1, "png", bytes.NewReader(data))
	must("UploadDrawing", err)
	expect(fmt.Sprintf("UploadDrawing: %d bytes for part 1 (%v)", len(data), time.Since(started).Round(time.Millisecond)),
		[]interface{}{ud.Metadata.SizeBytes, ud.Metadata.FileName, ud.Metadata.Sha256, ud.Replaced},
		[]interface{}{int64(len(data)), "Nano SIM Tray.png", sha, false})

	gm, err := c.Drawings.GetDrawingMetadata(ctx, &pb.GetDrawingMetadataRequest{PartId: 1})
	must("GetDrawingMetadata", err)
	expect("GetDrawingMetadata", []interface{}{gm.Metadata.FileExtension, gm.Metadata.SizeBytes, gm.Metadata.Sha256}, []interface{}{"png", int64(len(data)), sha})

	var out bytes.Buffer
	started = time.Now()
	md, err := suppliers.DownloadDrawing(ctx, c.Drawings, &pb.DownloadDrawingRequest{PartId: 1}, &out)
	must("DownloadDrawing", err)
	outSum := sha256.Sum256(out.Bytes())
	expect(fmt.Sprintf("DownloadDrawing streams the same bytes back, SHA-256 checked (%v)", time.Since(started).Round(time.Millisecond)),
		[]interface{}{md.RangeLength, hex.EncodeToString(outSum[:])}, []interface{}{int64(len(data)), sha})
	out.Reset()
	md, err = suppliers.DownloadDrawing(ctx, c.Drawings, &pb.DownloadDrawingRequest{PartId: 1, ReadOffset: 1000, ReadLimit: 70000}, &out)
	must("DownloadDrawing range", err)
	expect("DownloadDrawing range 1000+70000", []interface{}{md.RangeOffset, bytes.Equal(out.Bytes(), data[1000:71000])}, []interface{}{int64(1000), true})

	// --- Errors with their google.rpc details -----------------------------------
	_, err = c.Vendors.CreateVendor(ctx, &pb.CreateVendorRequest{Vendor: &pb.Vendor{VendorName: ""}})
	d = suppliers.ErrorDetails(err)
	expect("CreateVendor with an empty name: INVALID_ARGUMENT, BadRequest names vendor.vendor_name",
		[]interface{}{d.Code, d.Field(), d.Reason(), d.ErrorInfo.GetDomain()},
		[]interface{}{codes.InvalidArgument, "vendor.vendor_name", "INVALID_FIELD", suppliers.ErrorDomain})
	fmt.Printf("     message: %q; violation: %q\n", d.Message, d.BadRequest.FieldViolations[0].Description)
	_, err = c.Vendors.GetVendor(ctx, &pb.GetVendorRequest{VendorId: 999})
	d = suppliers.ErrorDetails(err)
	expect("GetVendor 999: NOT_FOUND VENDOR_NOT_FOUND, metadata vendor_id",
		[]interface{}{d.Code, d.Reason(), d.ErrorInfo.GetMetadata()["vendor_id"]}, []interface{}{codes.NotFound, "VENDOR_NOT_FOUND", "999"})
	_, err = suppliers.UploadDrawing(ctx, c.Drawings, 1, "p.n.g", bytes.NewReader([]byte("x")))
	d = suppliers.ErrorDetails(err)
	expect("UploadDrawing with a bad extension: INVALID_ARGUMENT naming the extension",
		[]interface{}{d.Code, d.Field()}, []interface{}{codes.InvalidArgument, "header.file_extension"})

	// --- Deletes -----------------------------------------------------------------
	dd, err := c.Drawings.DeleteDrawing(ctx, &pb.DeleteDrawingRequest{PartId: 1})
	must("DeleteDrawing", err)
	expect("DeleteDrawing: one row", dd.DeletedRows, int32(1))
	dp, err := c.Parts.DeletePart(ctx, &pb.DeletePartRequest{PartId: 2})
	must("DeletePart", err)
	expect("DeletePart 2: one row, two links, no drawing", []interface{}{dp.DeletedRows, dp.DeletedLinks, dp.DeletedDrawing}, []interface{}{int32(1), int32(2), false})
	dv, err := c.Vendors.DeleteVendor(ctx, &pb.DeleteVendorRequest{VendorId: 5})
	must("DeleteVendor", err)
	expect("DeleteVendor 5: one row, its link to part 1", []interface{}{dv.DeletedRows, dv.DeletedLinks}, []interface{}{int32(1), int32(1)})
	lv, err = c.Vendors.ListVendors(ctx, &pb.ListVendorsRequest{OrderBy: pb.VendorOrder_VENDOR_ORDER_ID_ASC})
	must("ListVendors", err)
	expect("after the deletes: vendor 5 is gone", vendorIDs(lv.Vendors), []int32{1, 2, 3, 4, 6, 7, 8})
	fmt.Println("tutorial: all steps passed")
}
