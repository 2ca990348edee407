// Prints the device URIs an installed runtime sees with the plugins given as
// arguments, one per line; exit status 1 with the message on failure.
#include <smelt/runtime.hpp>

#include <iostream>

int main(int argc, char **argv) {
  try {
    smelt::Instance instance(1, std::vector<std::string>(argv + 1, argv + argc));
    for (const std::string &uri : instance.deviceUris())
      std::cout << uri << "\n";
    return 0;
  } catch (const smelt::Error &error) {
    std::cerr << "list_devices: " << smelt_status_code_name(error.code()) << ": " << error.what()
              << "\n";
    return 1;
  }
}
