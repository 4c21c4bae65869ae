curl 'https://api.notion.com/v1/pages/4ccd9bda0f6440a0b32490c091011b8f/properties/%7CyVi' \
    -H 'Notion-Version: 2025-09-03' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"''