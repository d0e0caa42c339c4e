# What `cmake --install` puts in place, and the Debian packages CPack makes
# of it. Two install components, one package each:
#   eventhost          the eventhost executable, its worker, and the example
#                      plugins (plugins/) in share/eventhost/plugins
#   eventhost-sdk-dev  the SDK: plugin.h, plugin.hpp, typed_events.hpp,
#                      events.hpp (generated), testing.hpp, the
#                      testing library, the CMake package eventhost_sdk
#                      (targets eventhost::sdk, eventhost::sdk_cpp and
#                      eventhost::testing, the function
#                      eventhost_add_plugin() with the header generator
#                      EventhostEvents.cmake) and pkg-config files
# Everything is relative to the prefix, so an install to any folder works
# as it is (-DCMAKE_PREFIX_PATH=<prefix> for find_package).
include(CMakePackageConfigHelpers)

set(EH_CMAKE_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/eventhost_sdk)

install(TARGETS eventhost
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT eventhost)
# The process tier's worker, found by eventhost at ../libexec/eventhost.
install(TARGETS eventhost-worker
  RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/eventhost COMPONENT eventhost)

# The example plugins, so that a person who installs the package has
# something to enable: copy them into a plugins folder, or point the host
# at this one (--plugins-dir). The folder is 0755 and the files 0644
# whatever the umask, because the host refuses a plugin folder or file
# that group or others may write.
set(EH_EXAMPLE_PLUGINS_DIR ${CMAKE_INSTALL_DATADIR}/eventhost/plugins)
install(DIRECTORY DESTINATION ${EH_EXAMPLE_PLUGINS_DIR} COMPONENT eventhost
  DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
                        GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
install(TARGETS audit_log event_logger login_guard webhook mqtt exec
  LIBRARY DESTINATION ${EH_EXAMPLE_PLUGINS_DIR} COMPONENT eventhost
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

install(TARGETS eventhost_sdk eventhost_sdk_cpp eventhost_testing
  EXPORT eventhost_sdk_targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT eventhost-sdk-dev
          NAMELINK_COMPONENT eventhost-sdk-dev
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plugin_sdk/include/eventhost
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT eventhost-sdk-dev)
# eventhost/events.hpp, generated from the catalogue (plugin_sdk/).
install(FILES ${PROJECT_BINARY_DIR}/plugin_sdk/include/eventhost/events.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/eventhost
  COMPONENT eventhost-sdk-dev)
install(EXPORT eventhost_sdk_targets
  NAMESPACE eventhost::
  FILE eventhost_sdkTargets.cmake
  DESTINATION ${EH_CMAKE_PACKAGE_DIR} COMPONENT eventhost-sdk-dev)

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/eventhost_sdkConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/eventhost_sdkConfig.cmake
  INSTALL_DESTINATION ${EH_CMAKE_PACKAGE_DIR})
# A plugin built against SDK 0.1 loads in any host of ABI major 1; the
# package version follows the host's, same major and minor required while
# the project is below 1.0.
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/eventhost_sdkConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/eventhost_sdkConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/eventhost_sdkConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/EventhostPlugin.cmake
  ${CMAKE_CURRENT_LIST_DIR}/EventhostEvents.cmake
  DESTINATION ${EH_CMAKE_PACKAGE_DIR} COMPONENT eventhost-sdk-dev)

# The .pc files find the prefix from their own place (pkg-config's
# ${pcfiledir}), so `cmake --install --prefix` anywhere needs no rewrite.
file(RELATIVE_PATH EH_PC_TO_PREFIX
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
foreach(pc eventhost-sdk eventhost-sdk-cpp eventhost-testing)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in
    ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT eventhost-sdk-dev)
endforeach()

include(EventhostPackaging)
