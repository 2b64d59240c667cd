"""Three small aiohttp clients, one per vendor, written as a Home Assistant integration's library would be."""
