package suppliers

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"google.golang.org/grpc"
)

// ServiceConfig is the shared client/service_config.json, and grpc-go
// accepts it (Dial fails on an invalid default service config).
func TestServiceConfigIsTheSharedFileAndValid(t *testing.T) {
	shared, err := os.ReadFile("../../service_config.json")
	if err != nil {
		t.Fatal(err)
	}
	var want, got interface{}
	if err := json.Unmarshal(shared, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(ServiceConfig), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ServiceConfig differs from client/service_config.json")
	}
	for _, policy := range LoadBalancingPolicies {
		option, err := WithLoadBalancing(policy)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Dial("dns:///127.0.0.1:1", grpc.WithInsecure(), option)
		if err != nil {
			t.Fatalf("%s: %v", policy, err)
		}
		c.Close()
	}
	if _, err := WithLoadBalancing("random"); err == nil {
		t.Fatal("an unknown policy was accepted")
	}
}
