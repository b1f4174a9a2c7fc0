// Owns the suppliers-client commands of the server's health
// (grpc.health.v1.Health).
#include <cstdio>
#include <vector>

#include "client/cpp/cli/command.h"

namespace suppliers::client {

void AddHealthCommands(std::vector<Command>& commands) {
  auto add = [&](Command command) { commands.push_back(std::move(command)); };
  add({"health",
       "check",
       "grpc.health.v1.Health/Check",
       "SERVING while the server reaches its database",
       {},
       [](const Flags&, SuppliersClient& c, const Globals& g) {
         auto response = c.CheckHealth();
         if (!response.ok()) return Fail(response.status(), g);
         if (g.json) {
           std::printf("%s\n", ToJsonLine(*response).c_str());
         } else {
           std::printf(
               "%s\n",
               grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                   response->status())
                   .c_str());
         }
         return response->status() ==
                        grpc::health::v1::HealthCheckResponse::SERVING
                    ? kExitOk
                    : kExitFailed;
       }});
}

}  // namespace suppliers::client
